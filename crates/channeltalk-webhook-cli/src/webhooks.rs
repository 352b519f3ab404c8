//! `channeltalk-webhook webhooks …`: managing a channel's webhooks through Channel's Open API
//! (list, create, get, update and unblock, delete, and `ensure`: make the channel hold the
//! webhook described, for a bot whose URL changes on every start).
//!
//! Credentials come from `CHANNEL_ACCESS_KEY` / `CHANNEL_ACCESS_SECRET` (and the API from
//! `CHANNEL_API_BASE_URL`), like the API client reads them; flags override them. The access
//! secret is only ever sent in its header: it is never printed, not even in `--help`.

use std::fmt::Write as _;

use channeltalk_api::{
    ApiError, Client, ConfigError, EnsureError, Ensured, NewWebhook, RetryPolicy, Scope, Webhook,
    WebhookUpdate,
};
use clap::{Args, Subcommand};

/// Exit status when Channel refused the request (its status and message are printed).
pub const EXIT_REFUSED: u8 = 1;

const SCOPES_HELP: &str = "Scopes: userChat.opened, message.created.userChat, \
message.created.teamChat, lead.upserted.contact, lead.upserted.subscription, lead.deleted, \
member.upserted.contact, member.upserted.subscription, member.deleted.";

/// Arguments of `webhooks`.
#[derive(Clone, Debug, Args)]
pub struct WebhooksArgs {
    /// The operation.
    #[command(subcommand)]
    pub command: WebhooksCommand,

    /// The channel's credentials and the API to call.
    #[command(flatten)]
    pub api: ApiArgs,
}

/// Credentials and the API's address.
#[derive(Clone, Args)]
pub struct ApiArgs {
    /// The channel's API access key (desk settings → API key).
    #[arg(
        long,
        global = true,
        value_name = "KEY",
        env = "CHANNEL_ACCESS_KEY",
        hide_env_values = true
    )]
    pub access_key: Option<String>,

    /// The channel's API access secret. Prefer the environment variable: a flag shows in the
    /// process list. Never printed.
    #[arg(
        long,
        global = true,
        value_name = "SECRET",
        env = "CHANNEL_ACCESS_SECRET",
        hide_env_values = true
    )]
    pub access_secret: Option<String>,

    /// Channel's Open API.
    #[arg(
        long,
        global = true,
        value_name = "URL",
        env = "CHANNEL_API_BASE_URL",
        default_value = channeltalk_api::DEFAULT_BASE_URL
    )]
    pub api_base_url: String,
}

impl std::fmt::Debug for ApiArgs {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ApiArgs")
            .field("access_key", &self.access_key)
            .field(
                "access_secret",
                &self.access_secret.as_ref().map(|_| "<redacted>"),
            )
            .field("api_base_url", &self.api_base_url)
            .finish()
    }
}

/// The `webhooks` operations.
#[derive(Clone, Debug, Subcommand)]
pub enum WebhooksCommand {
    /// Every webhook of the channel (all pages), one per line: id, name, URL, scopes, blocked.
    List {
        /// Webhooks fetched per request (1 to 500).
        #[arg(long, value_name = "N", default_value_t = 100,
              value_parser = clap::value_parser!(u32).range(1..=500))]
        page_size: u32,
    },
    /// Creates a (v5) webhook and prints its id and token (configure your receiver with it).
    #[command(after_help = SCOPES_HELP)]
    Create {
        /// The webhook.
        #[command(flatten)]
        webhook: WebhookSpec,
    },
    /// Shows one webhook.
    Get {
        /// The webhook id.
        id: String,
        /// Also print the webhook's token.
        #[arg(long)]
        show_token: bool,
    },
    /// Changes a webhook: its name, URL, scopes, or unblocks it after Channel blocked it.
    #[command(after_help = SCOPES_HELP)]
    Update {
        /// The webhook id.
        id: String,
        /// A new name.
        #[arg(long, value_name = "NAME")]
        name: Option<String>,
        /// A new URL.
        #[arg(long, value_name = "URL")]
        url: Option<String>,
        /// New scopes, replacing the old ones; repeat for several.
        #[arg(long = "scope", value_name = "SCOPE")]
        scopes: Vec<String>,
        /// Unblocks it (Channel blocks a webhook after 100 failed deliveries in a row).
        #[arg(long)]
        unblock: bool,
    },
    /// Deletes a webhook.
    Delete {
        /// The webhook id.
        id: String,
    },
    /// Makes the channel hold this webhook, found by its name: created when there is none,
    /// updated (one write carrying every field) when its URL or scopes differ or Channel
    /// blocked it, left alone when it is as described. Run it on every start of a bot behind a
    /// tunnel whose URL changes. Prints the id and what was done.
    #[command(after_help = SCOPES_HELP)]
    Ensure {
        /// The webhook (found by its name).
        #[command(flatten)]
        webhook: WebhookSpec,
        /// Also print the webhook's token (the secret deliveries carry), for a deploy script
        /// to capture.
        #[arg(long)]
        show_token: bool,
        /// When several webhooks have the name, keep the oldest and delete the others (without
        /// it, they are listed and nothing is changed).
        #[arg(long)]
        prune_duplicates: bool,
    },
}

/// A whole webhook, as `create` and `ensure` take it.
#[derive(Clone, Debug, Args)]
pub struct WebhookSpec {
    /// Its name.
    #[arg(long, value_name = "NAME")]
    pub name: String,
    /// Where Channel delivers events (your bot's public https URL).
    #[arg(long, value_name = "URL")]
    pub url: String,
    /// What it delivers; repeat for several.
    #[arg(long = "scope", value_name = "SCOPE", required = true)]
    pub scopes: Vec<String>,
}

impl WebhookSpec {
    /// The webhook these arguments describe, its scopes checked.
    fn to_new(&self) -> Result<NewWebhook, WebhooksError> {
        Ok(known_scopes(&self.scopes)?
            .into_iter()
            .fold(NewWebhook::new(&self.name, &self.url), NewWebhook::scope))
    }
}

/// Why a `webhooks` command failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum WebhooksError {
    /// The client could not be set up (missing credentials, bad URL).
    #[error("{0}")]
    Config(#[from] ConfigError),
    /// The async runtime could not start.
    #[error("could not start the async runtime: {0}")]
    Runtime(#[source] std::io::Error),
    /// `update` without any change.
    #[error("nothing to update: give --name, --url, --scope or --unblock")]
    NothingToUpdate,
    /// A scope Channel does not know.
    #[error("unknown scope {0:?}. {SCOPES_HELP}")]
    UnknownScope(String),
    /// The call failed.
    #[error("{0}")]
    Api(#[from] ApiError),
    /// `ensure` could not make the channel hold the webhook.
    #[error("{0}")]
    Ensure(#[from] EnsureError),
}

impl WebhooksError {
    /// The exit status: 1 when Channel answered with a refusal or a failure status, 2 for
    /// usage, set-up, connection and unreadable answers.
    pub fn exit_code(&self) -> u8 {
        match self {
            WebhooksError::Api(error) | WebhooksError::Ensure(EnsureError::Api(error)) => {
                if refused(error) {
                    EXIT_REFUSED
                } else {
                    crate::exit::EXIT_ERROR
                }
            }
            WebhooksError::Ensure(_) => EXIT_REFUSED,
            _ => crate::exit::EXIT_ERROR,
        }
    }
}

/// Whether Channel answered with a refusal or a failure status.
fn refused(error: &ApiError) -> bool {
    matches!(
        error,
        ApiError::Unauthorized { .. }
            | ApiError::NotFound { .. }
            | ApiError::RateLimited { .. }
            | ApiError::Refused { .. }
            | ApiError::Server { .. }
    )
}

/// The scopes given, each one Channel knows.
fn known_scopes(scopes: &[String]) -> Result<Vec<Scope>, WebhooksError> {
    scopes
        .iter()
        .map(|scope| {
            let known = Scope::from(scope.as_str());
            if known.is_other() {
                Err(WebhooksError::UnknownScope(scope.clone()))
            } else {
                Ok(known)
            }
        })
        .collect()
}

impl ApiArgs {
    /// The client these arguments describe.
    pub fn client(&self) -> Result<Client, ConfigError> {
        let key = self
            .access_key
            .clone()
            .filter(|key| !key.is_empty())
            .ok_or(ConfigError::MissingVariable(
                channeltalk_api::ACCESS_KEY_VAR,
            ))?;
        let secret = self
            .access_secret
            .clone()
            .filter(|secret| !secret.is_empty())
            .ok_or(ConfigError::MissingVariable(
                channeltalk_api::ACCESS_SECRET_VAR,
            ))?;
        Client::builder(key, secret)
            .base_url(&self.api_base_url)
            .retry(RetryPolicy::default().max_attempts(3))
            .build()
    }
}

/// Runs a `webhooks` command and returns what to print on standard output.
pub fn run_webhooks(args: &WebhooksArgs) -> Result<String, WebhooksError> {
    let client = args.api.client()?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(WebhooksError::Runtime)?;
    runtime.block_on(execute(&client, &args.command))
}

async fn execute(client: &Client, command: &WebhooksCommand) -> Result<String, WebhooksError> {
    let mut out = String::new();
    match command {
        WebhooksCommand::List { page_size } => {
            let webhooks = client.webhooks().limit(*page_size).collect_all().await?;
            for webhook in &webhooks {
                out.push_str(&list_line(webhook));
            }
            let _ = writeln!(out, "{} webhook(s)", webhooks.len());
        }
        WebhooksCommand::Create { webhook } => {
            let new = webhook.to_new()?;
            let webhook = client.create_webhook(&new).await?.into_inner();
            let _ = writeln!(out, "Created webhook {}", field(&webhook.id));
            out.push_str(&details(&webhook, true));
            let _ = writeln!(
                out,
                "Configure your receiver with this token (e.g. CHANNEL_WEBHOOK_TOKEN); it is the \
                 secret every delivery carries as ?token=."
            );
        }
        WebhooksCommand::Get { id, show_token } => {
            let webhook = client.webhook(id).await?.into_inner();
            out.push_str(&details(&webhook, *show_token));
        }
        WebhooksCommand::Update {
            id,
            name,
            url,
            scopes,
            unblock,
        } => {
            let mut update = WebhookUpdate::new();
            if let Some(name) = name {
                update = update.name(name);
            }
            if let Some(url) = url {
                update = update.url(url);
            }
            if !scopes.is_empty() {
                update = update.scopes(known_scopes(scopes)?);
            }
            if *unblock {
                update = update.unblock();
            }
            if update.is_empty() {
                return Err(WebhooksError::NothingToUpdate);
            }
            let webhook = client.update_webhook(id, &update).await?.into_inner();
            let _ = writeln!(out, "Updated webhook {id}");
            out.push_str(&details(&webhook, false));
        }
        WebhooksCommand::Delete { id } => {
            client.delete_webhook(id).await?;
            let _ = writeln!(out, "Deleted webhook {id}");
        }
        WebhooksCommand::Ensure {
            webhook,
            show_token,
            prune_duplicates,
        } => {
            let wanted = webhook.to_new()?;
            let ensured = client.ensure_webhook(&wanted, *prune_duplicates).await?;
            let webhook = ensured.webhook();
            let _ = match &ensured {
                Ensured::Updated { changes, .. } => writeln!(
                    out,
                    "Updated webhook {} ({})",
                    field(&webhook.id),
                    changes.join(", ")
                ),
                _ => writeln!(
                    out,
                    "{} webhook {}",
                    capitalised(ensured.action()),
                    field(&webhook.id)
                ),
            };
            out.push_str(&details(webhook, *show_token));
        }
    }
    Ok(out)
}

fn capitalised(word: &str) -> String {
    let mut chars = word.chars();
    chars
        .next()
        .map(|first| first.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}

fn field(value: &Option<String>) -> &str {
    value.as_deref().unwrap_or("-")
}

fn scopes(webhook: &Webhook) -> String {
    if webhook.scopes.is_empty() {
        return "-".to_owned();
    }
    webhook
        .scopes
        .iter()
        .map(Scope::as_str)
        .collect::<Vec<_>>()
        .join(",")
}

fn blocked(webhook: &Webhook) -> &'static str {
    if webhook.is_blocked() {
        "blocked"
    } else {
        "active"
    }
}

/// `ID  NAME  URL  SCOPES  active|blocked`, tab-separated.
fn list_line(webhook: &Webhook) -> String {
    format!(
        "{}\t{}\t{}\t{}\t{}\n",
        field(&webhook.id),
        field(&webhook.name),
        field(&webhook.url),
        scopes(webhook),
        blocked(webhook)
    )
}

fn details(webhook: &Webhook, show_token: bool) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "  id:       {}", field(&webhook.id));
    let _ = writeln!(out, "  name:     {}", field(&webhook.name));
    let _ = writeln!(out, "  url:      {}", field(&webhook.url));
    let _ = writeln!(out, "  scopes:   {}", scopes(webhook));
    let _ = writeln!(out, "  version:  {}", field(&webhook.api_version));
    let _ = writeln!(out, "  state:    {}", blocked(webhook));
    if show_token {
        let _ = writeln!(out, "  token:    {}", field(&webhook.token));
    }
    out
}
