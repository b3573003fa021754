//! How to reach OneFile: base URL, API token and the rate limit to pace under.

use anyhow::{Context as _, bail};
use clap::Args;
use consumer::RateLimit;
use onefile_client::ClientConfig;
use secrecy::SecretString;
use std::path::PathBuf;

/// OneFile connection flags.
#[derive(Debug, Clone, Args)]
pub struct OneFileArgs {
    /// OneFile API base URL, ending in /api/v2.1 (live: https://wsapi.onefile.co.uk/api/v2.1).
    #[arg(long, env = "ONEFILE_BASE_URL")]
    pub onefile_base_url: Option<String>,
    /// OneFile customer API token. Prefer --api-token-file; the token is never logged.
    #[arg(long, env = "ONEFILE_API_TOKEN", hide_env_values = true)]
    pub api_token: Option<String>,
    /// File holding the API token (e.g. a mounted secret); trailing whitespace ignored.
    #[arg(long, env = "ONEFILE_API_TOKEN_FILE")]
    pub api_token_file: Option<PathBuf>,
    /// OneFile's rate limit, CALLS/WINDOW (300/60s). Calls are paced just under it.
    #[arg(long, env = "ONEFILE_RATE_LIMIT", default_value = "300/60s")]
    pub rate_limit: RateLimit,
}

impl OneFileArgs {
    /// The API token from the flag, the environment or the file.
    pub fn token(&self) -> anyhow::Result<Option<SecretString>> {
        if let Some(token) = &self.api_token {
            return Ok(Some(SecretString::from(token.clone())));
        }
        let Some(path) = &self.api_token_file else {
            return Ok(None);
        };
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("Failed to read the API token file {}", path.display()))?;
        let token = text.trim();
        if token.is_empty() {
            bail!("the API token file {} is empty", path.display());
        }
        Ok(Some(SecretString::from(token.to_owned())))
    }

    /// A client configuration; the base URL and token are required here.
    pub fn client_config(&self) -> anyhow::Result<ClientConfig> {
        let Some(base_url) = &self.onefile_base_url else {
            bail!(
                "set ONEFILE_BASE_URL (or --onefile-base-url), e.g. https://wsapi.onefile.co.uk/api/v2.1"
            );
        };
        let Some(token) = self.token()? else {
            bail!(
                "set ONEFILE_API_TOKEN_FILE or ONEFILE_API_TOKEN: OneFile needs the customer API token"
            );
        };
        Ok(ClientConfig::new(base_url.clone(), token))
    }
}
