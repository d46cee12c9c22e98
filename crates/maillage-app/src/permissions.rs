//! Who may do what. This table is the reference; `docs/PERMISSIONS.md` repeats it for
//! people and every web route has a test per role.
//!
//! | action                              | visitor | signed-in | manager of the place | admin |
//! |-------------------------------------|---------|-----------|----------------------|-------|
//! | see published places, search, map   | yes     | yes       | yes                  | yes   |
//! | see a draft or archived place       | no      | no        | yes                  | yes   |
//! | create a place (as a draft)         | no      | yes       | yes                  | yes   |
//! | edit a place                        | no      | no        | yes                  | yes   |
//! | archive a place / back to draft     | no      | no        | yes                  | yes   |
//! | publish a place                     | no      | no        | no                   | yes   |
//! | see a place's history               | as the place (published: yes; else 404)                |
//! | …with the authors' accounts         | no      | own only  | yes                  | yes   |
//! | revert a field from the history     | no      | no        | yes                  | yes   |
//! | import files                        | no      | no        | no                   | yes   |
//! | export published places             | yes     | yes       | yes                  | yes   |
//! | see and retry background jobs       | no      | no        | no                   | yes   |
//! | list accounts, back up, remove demo | no      | no        | no                   | yes   |
//!
//! Publication is moderated: a network validates its member places before they appear.
//! A manager's edits to an already published place stay published.

use maillage_domain::user::Actor;

/// What the actor may do with one place, given whether they manage it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PlaceRights {
    pub view_unpublished: bool,
    pub edit: bool,
    pub publish: bool,
}

pub fn place_rights(actor: &Actor, is_manager: bool) -> PlaceRights {
    let admin = actor.is_admin();
    let manager = actor.user().is_some() && is_manager;
    PlaceRights { view_unpublished: admin || manager, edit: admin || manager, publish: admin }
}

pub fn may_create_place(actor: &Actor) -> bool {
    actor.user().is_some()
}

pub fn may_import(actor: &Actor) -> bool {
    actor.is_admin()
}

/// Operating the platform: the account list, backups, removing the demo network.
pub fn may_operate(actor: &Actor) -> bool {
    actor.is_admin()
}

/// Background jobs (`maillage jobs`): their errors and payloads are for operators.
pub fn may_manage_jobs(actor: &Actor) -> bool {
    actor.is_admin()
}

#[cfg(test)]
mod tests {
    use super::*;
    use maillage_domain::fields::Email;
    use maillage_domain::user::User;

    fn user(admin: bool) -> Actor {
        Actor::User(User {
            id: maillage_domain::UserId::new(),
            email: Email::parse("a@exemple.fr").unwrap(),
            display_name: "A".into(),
            is_admin: admin,
            created_at: chrono::Utc::now(),
        })
    }

    #[test]
    fn the_table_holds() {
        let none = PlaceRights { view_unpublished: false, edit: false, publish: false };
        assert_eq!(place_rights(&Actor::Anonymous, true), none, "a visitor never manages");
        assert_eq!(place_rights(&user(false), false), none);
        assert_eq!(
            place_rights(&user(false), true),
            PlaceRights { view_unpublished: true, edit: true, publish: false }
        );
        assert_eq!(
            place_rights(&user(true), false),
            PlaceRights { view_unpublished: true, edit: true, publish: true }
        );
        assert!(!may_create_place(&Actor::Anonymous) && may_create_place(&user(false)));
        assert!(!may_import(&user(false)) && may_import(&user(true)));
        assert!(
            !may_manage_jobs(&Actor::Anonymous)
                && !may_manage_jobs(&user(false))
                && may_manage_jobs(&user(true))
        );
    }
}
