//! Password hashing with argon2 (PHC strings with their own salt and parameters).

use argon2::password_hash::{PasswordHasher as _, PasswordVerifier as _};
use argon2::{Argon2, Params};

/// Hashes and verifies passwords. The default uses argon2id's recommended cost;
/// with the `test-util` feature, `PasswordHasher::fast_insecure` gives tests
/// that create many users the cheapest parameters.
#[derive(Debug, Clone)]
pub struct PasswordHasher {
    params: Params,
}

impl Default for PasswordHasher {
    fn default() -> Self {
        PasswordHasher {
            params: Params::DEFAULT,
        }
    }
}

impl PasswordHasher {
    /// The cheapest parameters argon2 allows: for test fixtures only.
    #[cfg(any(test, feature = "test-util"))]
    pub fn fast_insecure() -> Self {
        PasswordHasher {
            params: Params::new(Params::MIN_M_COST, Params::MIN_T_COST, 1, None)
                .expect("argon2 minimum parameters are valid"),
        }
    }

    /// A PHC string (`$argon2id$v=19$m=...`) with a fresh random salt.
    pub fn hash(&self, password: &str) -> String {
        Argon2::from(&self.params)
            .hash_password(password.as_bytes())
            .expect("argon2 hashing with valid parameters cannot fail")
            .to_string()
    }

    /// Whether `password` matches `phc`; a malformed hash never matches.
    pub fn verify(&self, password: &str, phc: &str) -> bool {
        Argon2::default()
            .verify_password(password.as_bytes(), phc)
            .is_ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_hash_verifies_its_password_only() {
        let hasher = PasswordHasher::fast_insecure();
        let phc = hasher.hash("testpass123");
        assert!(phc.starts_with("$argon2id$"));
        assert!(hasher.verify("testpass123", &phc));
        assert!(!hasher.verify("testpass124", &phc));
        assert!(!hasher.verify("testpass123", "not a hash"));
    }
}
