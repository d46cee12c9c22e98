-- Filters, sorting and full-text search now run on an in-memory index of the places,
-- rebuilt from this table when the places revision moves (see ARCHITECTURE.md, "Search").
-- The tag and term tables and the filter indexes are no longer read: writing them cost
-- more than half of an import.
DROP TABLE search_terms;
DROP TABLE place_tags;
DROP INDEX places_status_name;
DROP INDEX places_departement;
DROP INDEX places_region;
DROP INDEX places_epci;
DROP INDEX places_commune;
DROP INDEX places_lat_lon;
