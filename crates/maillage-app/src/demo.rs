//! PLACEHOLDER while helper-5 writes the demo generator (replaced wholesale).
use maillage_domain::PlaceInput;
pub struct DemoPlace { pub input: PlaceInput, pub source_id: String }
pub struct DemoUser { pub email: String, pub display_name: String, pub is_admin: bool, pub manages: Vec<usize> }
pub struct DemoNetwork { pub places: Vec<DemoPlace>, pub users: Vec<DemoUser> }
pub const DEMO_SOURCE: &str = "demo";
pub const DEMO_PASSWORD: &str = "demo-maillage";
pub fn demo_network(_reference: &maillage_territory::Reference, _count: usize, _seed: u64) -> DemoNetwork {
    DemoNetwork { places: Vec::new(), users: Vec::new() }
}
