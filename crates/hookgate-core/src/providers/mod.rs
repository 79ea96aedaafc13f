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

pub mod bitbucket;
pub mod calendly;
pub mod clerk;
pub mod coinbase_commerce;
pub mod discord;
pub mod dropbox;
pub mod github;
pub mod gitlab;
pub mod hubspot;
pub mod intercom;
pub mod lemonsqueezy;
pub mod linear;
pub mod mailgun;
pub mod meta;
pub mod mux;
pub mod openai;
pub mod paddle;
pub mod pagerduty;
pub mod pollybot;
pub mod primebot;
pub mod promptha;
pub mod razorpay;
pub mod resend;
pub mod sendgrid;
pub mod sendpilot;
pub mod sentry;
pub mod shopify;
pub mod slack;
pub mod square;
pub mod standard_webhooks;
pub mod stripe;
pub mod svix;
pub mod twabot;
pub mod twilio;
pub mod twitch;
pub mod typeform;
pub mod vercel;
pub mod woocommerce;
pub mod workos;
pub mod x;
pub mod zendesk;
pub mod zoom;

/// The built-in presets, by their kebab-case names.
///
/// ```
/// use hookgate_core::Preset;
/// let p: Preset = "standard-webhooks".parse().unwrap();
/// assert_eq!(p, Preset::StandardWebhooks);
/// assert_eq!(p.scheme().signature_header(), "webhook-signature");
/// assert_eq!(Preset::ALL.len(), 42);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Preset {
    /// [Standard Webhooks](standard_webhooks).
    StandardWebhooks,
    /// [Svix](svix).
    Svix,
    /// [Resend](resend).
    Resend,
    /// [Clerk](clerk).
    Clerk,
    /// [OpenAI](openai).
    Openai,
    /// [Stripe](stripe).
    Stripe,
    /// [SendPilot](sendpilot).
    Sendpilot,
    /// [Mux](mux).
    Mux,
    /// [Calendly](calendly).
    Calendly,
    /// [WorkOS](workos).
    Workos,
    /// [Paddle Billing](paddle).
    Paddle,
    /// [Slack](slack).
    Slack,
    /// [Zoom (webhooks)](zoom).
    Zoom,
    /// [Twitch EventSub (webhook transport)](twitch).
    Twitch,
    /// [Zendesk (webhooks)](zendesk).
    Zendesk,
    /// [Promptha](promptha).
    Promptha,
    /// [Prime Bot](primebot).
    Primebot,
    /// [GitHub](github).
    Github,
    /// [Shopify](shopify).
    Shopify,
    /// [Bitbucket Cloud](bitbucket).
    Bitbucket,
    /// [Meta (Facebook, Instagram, Messenger and WhatsApp Graph API webhooks)](meta).
    Meta,
    /// [Intercom](intercom).
    Intercom,
    /// [Typeform](typeform).
    Typeform,
    /// [PagerDuty (V3 webhooks)](pagerduty).
    Pagerduty,
    /// [WooCommerce](woocommerce).
    Woocommerce,
    /// [Linear](linear).
    Linear,
    /// [Lemon Squeezy](lemonsqueezy).
    Lemonsqueezy,
    /// [Razorpay](razorpay).
    Razorpay,
    /// [Coinbase Commerce](coinbase_commerce).
    CoinbaseCommerce,
    /// [Dropbox](dropbox).
    Dropbox,
    /// [X (Twitter) Account Activity and V2 webhooks](x).
    X,
    /// [Vercel](vercel).
    Vercel,
    /// [Sentry (integration platform webhooks)](sentry).
    Sentry,
    /// [Pollybot](pollybot).
    Pollybot,
    /// [TwaBot](twabot).
    Twabot,
    /// [Twilio (Programmable Messaging and Voice, form-encoded webhooks)](twilio).
    Twilio,
    /// [Square (webhook subscriptions)](square).
    Square,
    /// [HubSpot (signature v3)](hubspot).
    Hubspot,
    /// [Discord (interactions endpoint)](discord).
    Discord,
    /// [Twilio SendGrid (signed Event Webhook)](sendgrid).
    Sendgrid,
    /// [Mailgun (JSON webhooks)](mailgun).
    Mailgun,
    /// [GitLab](gitlab).
    Gitlab,
}

impl Preset {
    /// Every preset, in the order `hookgate providers` lists them.
    pub const ALL: [Preset; 42] = [
        Preset::StandardWebhooks,
        Preset::Svix,
        Preset::Resend,
        Preset::Clerk,
        Preset::Openai,
        Preset::Stripe,
        Preset::Sendpilot,
        Preset::Mux,
        Preset::Calendly,
        Preset::Workos,
        Preset::Paddle,
        Preset::Slack,
        Preset::Zoom,
        Preset::Twitch,
        Preset::Zendesk,
        Preset::Promptha,
        Preset::Primebot,
        Preset::Github,
        Preset::Shopify,
        Preset::Bitbucket,
        Preset::Meta,
        Preset::Intercom,
        Preset::Typeform,
        Preset::Pagerduty,
        Preset::Woocommerce,
        Preset::Linear,
        Preset::Lemonsqueezy,
        Preset::Razorpay,
        Preset::CoinbaseCommerce,
        Preset::Dropbox,
        Preset::X,
        Preset::Vercel,
        Preset::Sentry,
        Preset::Pollybot,
        Preset::Twabot,
        Preset::Twilio,
        Preset::Square,
        Preset::Hubspot,
        Preset::Discord,
        Preset::Sendgrid,
        Preset::Mailgun,
        Preset::Gitlab,
    ];

    /// The kebab-case name used by code, config and CLI.
    pub fn name(self) -> &'static str {
        match self {
            Preset::StandardWebhooks => "standard-webhooks",
            Preset::Svix => "svix",
            Preset::Resend => "resend",
            Preset::Clerk => "clerk",
            Preset::Openai => "openai",
            Preset::Stripe => "stripe",
            Preset::Sendpilot => "sendpilot",
            Preset::Mux => "mux",
            Preset::Calendly => "calendly",
            Preset::Workos => "workos",
            Preset::Paddle => "paddle",
            Preset::Slack => "slack",
            Preset::Zoom => "zoom",
            Preset::Twitch => "twitch",
            Preset::Zendesk => "zendesk",
            Preset::Promptha => "promptha",
            Preset::Primebot => "primebot",
            Preset::Github => "github",
            Preset::Shopify => "shopify",
            Preset::Bitbucket => "bitbucket",
            Preset::Meta => "meta",
            Preset::Intercom => "intercom",
            Preset::Typeform => "typeform",
            Preset::Pagerduty => "pagerduty",
            Preset::Woocommerce => "woocommerce",
            Preset::Linear => "linear",
            Preset::Lemonsqueezy => "lemonsqueezy",
            Preset::Razorpay => "razorpay",
            Preset::CoinbaseCommerce => "coinbase-commerce",
            Preset::Dropbox => "dropbox",
            Preset::X => "x",
            Preset::Vercel => "vercel",
            Preset::Sentry => "sentry",
            Preset::Pollybot => "pollybot",
            Preset::Twabot => "twabot",
            Preset::Twilio => "twilio",
            Preset::Square => "square",
            Preset::Hubspot => "hubspot",
            Preset::Discord => "discord",
            Preset::Sendgrid => "sendgrid",
            Preset::Mailgun => "mailgun",
            Preset::Gitlab => "gitlab",
        }
    }

    /// Looks a preset up by name, in any case (`github`, `GitHub`).
    ///
    /// ```
    /// use hookgate_core::Preset;
    /// assert_eq!(Preset::from_name("GitHub").unwrap(), Preset::Github);
    /// assert!(Preset::from_name("gitlub").unwrap_err().to_string().contains("known presets: standard-webhooks"));
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
            Preset::Resend => resend::scheme(),
            Preset::Clerk => clerk::scheme(),
            Preset::Openai => openai::scheme(),
            Preset::Stripe => stripe::scheme(),
            Preset::Sendpilot => sendpilot::scheme(),
            Preset::Mux => mux::scheme(),
            Preset::Calendly => calendly::scheme(),
            Preset::Workos => workos::scheme(),
            Preset::Paddle => paddle::scheme(),
            Preset::Slack => slack::scheme(),
            Preset::Zoom => zoom::scheme(),
            Preset::Twitch => twitch::scheme(),
            Preset::Zendesk => zendesk::scheme(),
            Preset::Promptha => promptha::scheme(),
            Preset::Primebot => primebot::scheme(),
            Preset::Github => github::scheme(),
            Preset::Shopify => shopify::scheme(),
            Preset::Bitbucket => bitbucket::scheme(),
            Preset::Meta => meta::scheme(),
            Preset::Intercom => intercom::scheme(),
            Preset::Typeform => typeform::scheme(),
            Preset::Pagerduty => pagerduty::scheme(),
            Preset::Woocommerce => woocommerce::scheme(),
            Preset::Linear => linear::scheme(),
            Preset::Lemonsqueezy => lemonsqueezy::scheme(),
            Preset::Razorpay => razorpay::scheme(),
            Preset::CoinbaseCommerce => coinbase_commerce::scheme(),
            Preset::Dropbox => dropbox::scheme(),
            Preset::X => x::scheme(),
            Preset::Vercel => vercel::scheme(),
            Preset::Sentry => sentry::scheme(),
            Preset::Pollybot => pollybot::scheme(),
            Preset::Twabot => twabot::scheme(),
            Preset::Twilio => twilio::scheme(),
            Preset::Square => square::scheme(),
            Preset::Hubspot => hubspot::scheme(),
            Preset::Discord => discord::scheme(),
            Preset::Sendgrid => sendgrid::scheme(),
            Preset::Mailgun => mailgun::scheme(),
            Preset::Gitlab => gitlab::scheme(),
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
