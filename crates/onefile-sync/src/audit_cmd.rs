//! `onefile-sync audit --learner ID`: what the writer changed for one learner, oldest
//! first, as a table.

use crate::cli::DbArgs;
use anyhow::Context as _;
use clap::Args;
use writer::audit::AuditEntry;

/// Options of `onefile-sync audit`.
#[derive(Debug, Args)]
pub struct AuditCommand {
    #[command(flatten)]
    pub db: DbArgs,
    /// The PICSWeb learner_id whose history to print.
    #[arg(long)]
    pub learner: i64,
}

/// Prints the learner's change history, or says there is none.
pub async fn run(cmd: AuditCommand) -> anyhow::Result<()> {
    let pool = crate::connect_db(&cmd.db).await?;
    let entries = writer::audit::history(&pool, cmd.learner).await.context(
        "Failed to read the audit table (is the database migrated? see `onefile-sync migrate`)",
    )?;
    if entries.is_empty() {
        println!("No changes recorded for learner {}.", cmd.learner);
        return Ok(());
    }
    print!("{}", render(&entries));
    Ok(())
}

/// The entries as an aligned table: time, table.column, row, old → new, result id.
fn render(entries: &[AuditEntry]) -> String {
    let rows: Vec<[String; 5]> = entries
        .iter()
        .map(|e| {
            [
                e.changed_at.format("%Y-%m-%d %H:%M:%S").to_string(),
                format!("{}.{}", e.table_name, e.column_name),
                e.row_id.to_string(),
                format!(
                    "{} → {}",
                    shown(e.old_value.as_deref()),
                    shown(e.new_value.as_deref())
                ),
                e.result_id.to_string(),
            ]
        })
        .collect();
    let header = ["TIME (UTC)", "COLUMN", "ROW", "CHANGE", "RESULT"].map(str::to_owned);
    let mut widths = [0; 5];
    for row in std::iter::once(&header).chain(&rows) {
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(cell.chars().count());
        }
    }
    let mut out = String::new();
    for row in std::iter::once(&header).chain(&rows) {
        let cells: Vec<String> = row
            .iter()
            .zip(widths)
            .map(|(cell, width)| format!("{cell:<width$}"))
            .collect();
        out.push_str(cells.join("  ").trim_end());
        out.push('\n');
    }
    out
}

/// A value for the table: blanks are shown as `(blank)`.
fn shown(value: Option<&str>) -> &str {
    value.unwrap_or("(blank)")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_an_aligned_table_with_blanks_named() {
        let entry = AuditEntry {
            changed_at: chrono::DateTime::parse_from_rfc3339("2026-03-02T10:00:00Z")
                .unwrap()
                .to_utc(),
            table_name: "learner_qualification".to_owned(),
            row_id: 31,
            column_name: "elements_done".to_owned(),
            old_value: None,
            new_value: Some("12".to_owned()),
            result_id: uuid::Uuid::nil(),
        };
        let text = render(&[entry]);
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 2);
        assert!(lines[0].starts_with("TIME (UTC)"));
        assert!(
            lines[1].contains("learner_qualification.elements_done  31"),
            "{text}"
        );
        assert!(lines[1].contains("(blank) → 12"), "{text}");
        assert_eq!(lines[0].find("CHANGE"), lines[1].find("(blank)"));
    }
}
