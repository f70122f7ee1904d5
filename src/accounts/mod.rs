//! People who use Caretaker: their roles, credentials and account state.

mod password;
mod throttle;
mod users;

pub use password::{hash_password, verify_password, Password};
pub use throttle::LoginThrottle;
pub use users::*;

use serde::Serialize;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    Staff,
    Manager,
    Admin,
}

impl Role {
    pub const ALL: [Role; 3] = [Role::Staff, Role::Manager, Role::Admin];

    pub fn parse(value: &str) -> Result<Role, String> {
        match value {
            "staff" => Ok(Role::Staff),
            "manager" => Ok(Role::Manager),
            "admin" => Ok(Role::Admin),
            other => Err(format!(
                "{other:?} is not a role: use staff, manager or admin"
            )),
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Staff => "staff",
            Role::Manager => "manager",
            Role::Admin => "admin",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Role::Staff => "Staff",
            Role::Manager => "Manager",
            Role::Admin => "Admin",
        }
    }

    /// Managers and admins plan the work: create, assign and edit any task.
    pub fn manages_tasks(self) -> bool {
        matches!(self, Role::Manager | Role::Admin)
    }

    pub fn is_admin(self) -> bool {
        self == Role::Admin
    }
}

/// A syntactically plausible, lower-cased email address.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EmailAddress(String);

impl EmailAddress {
    pub fn parse(value: &str) -> Result<EmailAddress, String> {
        let email = value.trim().to_lowercase();
        let valid = email.len() <= 254
            && !email.contains(char::is_whitespace)
            && matches!(email.split_once('@'), Some((user, domain))
                if !user.is_empty() && domain.contains('.') && !domain.starts_with('.') && !domain.ends_with('.') && !domain.contains('@'));
        if valid {
            Ok(EmailAddress(email))
        } else {
            Err(format!("{:?} is not a valid email address.", value.trim()))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A person's display name: trimmed, 1 to 100 characters.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PersonName(String);

impl PersonName {
    pub fn parse(value: &str) -> Result<PersonName, String> {
        let name = value.trim();
        match name.chars().count() {
            0 => Err("A name is required.".into()),
            1..=100 => Ok(PersonName(name.to_owned())),
            _ => Err("A name must be at most 100 characters.".into()),
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn email_addresses_are_trimmed_and_lower_cased() {
        let email = EmailAddress::parse("  Ann@Example.COM ").unwrap();

        assert_eq!(email.as_str(), "ann@example.com");
    }

    #[test]
    fn malformed_email_addresses_are_refused() {
        for bad in [
            "",
            "ann",
            "ann@",
            "@example.com",
            "ann@example",
            "a b@example.com",
            "a@b@c.com",
        ] {
            assert!(EmailAddress::parse(bad).is_err(), "{bad:?} was accepted");
        }
    }

    #[test]
    fn roles_round_trip_through_their_names() {
        for role in Role::ALL {
            assert_eq!(Role::parse(role.as_str()), Ok(role));
        }
        assert!(Role::parse("janitor").is_err());
    }
}
