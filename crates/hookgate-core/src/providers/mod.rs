//! Provider presets: one file per provider, each stating exactly what is signed, how, and where
//! the delivery id, event type and timestamp come from (the table in `docs/providers.md`).

use std::fmt;
use std::str::FromStr;

use crate::error::{ConfigError, ConfigErrorKind};
use crate::scheme::Scheme;

/// Declares a provider's event enum: one variant per documented event type, plus `Unknown`, so
/// that a new event type never breaks deserialisation.
macro_rules! provider_events {
    ($(#[$m:meta])* pub enum $name:ident { $( $(#[$vm:meta])* $lit:literal => $variant:ident($ty:ty), )* }) => {
        $(#[$m])*
        #[derive(Debug, Clone, PartialEq)]
        #[non_exhaustive]
        // Parsed once per delivery and moved rarely: boxing the big variants buys nothing.
        #[allow(clippy::large_enum_variant)]
        pub enum $name {
            $( $(#[$vm])* $variant($ty), )*
            /// An event type this version does not know, with its raw data.
            Unknown {
                /// The provider's event type.
                event_type: String,
                /// The event's data, as sent.
                data: serde_json::Value,
            },
        }

        impl $name {
            /// The provider's name for this event type.
            pub fn event_type(&self) -> &str {
                match self {
                    $( Self::$variant(_) => $lit, )*
                    Self::Unknown { event_type, .. } => event_type,
                }
            }

            pub(crate) fn from_parts<E: serde::de::Error>(event_type: String, data: serde_json::Value) -> Result<Self, E> {
                Ok(match event_type.as_str() {
                    $( $lit => Self::$variant(serde_json::from_value(data).map_err(E::custom)?), )*
                    _ => Self::Unknown { event_type, data },
                })
            }
        }
    };
}

pub mod github;
pub mod pollybot;
pub mod primebot;
pub mod promptha;
pub mod sendpilot;
pub mod shopify;
pub mod slack;
pub mod standard_webhooks;
pub mod stripe;
pub mod svix;
pub mod twabot;

/// The built-in presets, by their kebab-case names.
///
/// ```
/// use hookgate_core::Preset;
/// let p: Preset = "standard-webhooks".parse().unwrap();
/// assert_eq!(p, Preset::StandardWebhooks);
/// assert_eq!(p.scheme().signature_header(), "webhook-signature");
/// assert_eq!(Preset::ALL.len(), 11);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Preset {
    /// [Standard Webhooks](standard_webhooks).
    StandardWebhooks,
    /// [Svix](svix).
    Svix,
    /// [Stripe](stripe).
    Stripe,
    /// [GitHub](github).
    Github,
    /// [Slack](slack).
    Slack,
    /// [Shopify](shopify).
    Shopify,
    /// [Prime Bot](primebot).
    Primebot,
    /// [Promptha](promptha).
    Promptha,
    /// [Pollybot](pollybot).
    Pollybot,
    /// [TwaBot](twabot).
    Twabot,
    /// [SendPilot](sendpilot).
    Sendpilot,
}

impl Preset {
    /// Every preset, in the order `hookgate providers` lists them.
    pub const ALL: [Preset; 11] = [
        Preset::StandardWebhooks,
        Preset::Svix,
        Preset::Stripe,
        Preset::Github,
        Preset::Slack,
        Preset::Shopify,
        Preset::Primebot,
        Preset::Promptha,
        Preset::Pollybot,
        Preset::Twabot,
        Preset::Sendpilot,
    ];

    /// The kebab-case name used by code, config and CLI.
    pub fn name(self) -> &'static str {
        match self {
            Preset::StandardWebhooks => "standard-webhooks",
            Preset::Svix => "svix",
            Preset::Stripe => "stripe",
            Preset::Github => "github",
            Preset::Slack => "slack",
            Preset::Shopify => "shopify",
            Preset::Primebot => "primebot",
            Preset::Promptha => "promptha",
            Preset::Pollybot => "pollybot",
            Preset::Twabot => "twabot",
            Preset::Sendpilot => "sendpilot",
        }
    }

    /// Looks a preset up by name, in any case (`github`, `GitHub`).
    ///
    /// ```
    /// use hookgate_core::Preset;
    /// assert_eq!(Preset::from_name("GitHub").unwrap(), Preset::Github);
    /// assert!(Preset::from_name("gitlab").unwrap_err().to_string().contains("known presets: standard-webhooks"));
    /// ```
    pub fn from_name(name: &str) -> Result<Self, ConfigError> {
        Self::ALL.into_iter().find(|p| p.name().eq_ignore_ascii_case(name.trim())).ok_or_else(|| {
            let names: Vec<&str> = Self::ALL.iter().map(|p| p.name()).collect();
            ConfigError::new(
                ConfigErrorKind::UnknownPreset,
                format!("unknown provider preset `{name}` (known presets: {})", names.join(", ")),
            )
        })
    }

    /// The preset's scheme.
    pub fn scheme(self) -> Scheme {
        match self {
            Preset::StandardWebhooks => standard_webhooks::scheme(),
            Preset::Svix => svix::scheme(),
            Preset::Stripe => stripe::scheme(),
            Preset::Github => github::scheme(),
            Preset::Slack => slack::scheme(),
            Preset::Shopify => shopify::scheme(),
            Preset::Primebot => primebot::scheme(),
            Preset::Promptha => promptha::scheme(),
            Preset::Pollybot => pollybot::scheme(),
            Preset::Twabot => twabot::scheme(),
            Preset::Sendpilot => sendpilot::scheme(),
        }
    }
}

impl fmt::Display for Preset {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Preset {
    type Err = ConfigError;
    fn from_str(s: &str) -> Result<Self, ConfigError> {
        Self::from_name(s)
    }
}

/// Shorthand for presets' body field paths, which are known to be valid.
pub(crate) fn path(p: &'static str) -> crate::FieldPath {
    crate::FieldPath::parse(p).expect("preset paths are valid")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_preset_builds_and_round_trips_its_name() {
        for p in Preset::ALL {
            assert_eq!(p.scheme().name(), p.name());
            assert_eq!(Preset::from_name(p.name()).unwrap(), p);
        }
    }
}
