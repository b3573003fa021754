//! Runs the writer's throughput benchmark against a development database:
//!
//! ```text
//! DATABASE_URL=postgres://postgres@127.0.0.1:5432/picsweb \
//!     cargo run --release -p writer --example bench -- 20000 500
//! ```
//!
//! Arguments: learners (default 20000) and batch size (default 500). The database is
//! created and migrated if need be; the benchmark removes what it adds.

use std::time::Duration;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let n: usize = args.next().map_or(Ok(20_000), |arg| arg.parse())?;
    let batch_size: usize = args.next().map_or(Ok(500), |arg| arg.parse())?;
    let url = std::env::var("DATABASE_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/picsweb".to_owned());
    picsweb_db::migrate(&url).await?;
    let pool = picsweb_db::connect(&url, 2, Duration::from_secs(10)).await?;
    let report = writer::bench(&pool, n, batch_size).await?;
    println!("{report}");
    Ok(())
}
