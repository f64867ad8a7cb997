//! The `import` and `export` commands: a progress bar on a terminal, and a summary per file.

use std::io::{BufWriter, IsTerminal, Write};
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use indicatif::{ProgressBar, ProgressStyle};

use crate::config::{ExportArgs, ImportArgs};
use crate::store::Store;

use super::{Input, Progress, Summary, export, import};

fn print_summary(out: &mut impl Write, s: &Summary) -> std::io::Result<()> {
    writeln!(
        out,
        "{:<34} {:>6} {:>10} {:>9} {:>9} {:>10} {:>11}",
        "file", "mode", "rows", "inserted", "updated", "unchanged", "tombstoned"
    )?;
    for f in &s.files {
        writeln!(
            out,
            "{:<34} {:>6} {:>10} {:>9} {:>9} {:>10} {:>11}",
            f.file, f.mode, f.rows, f.inserted, f.updated, f.unchanged, f.tombstoned
        )?;
    }
    let secs = (s.elapsed_ms as f64 / 1000.0).max(0.001);
    writeln!(
        out,
        "imported {} rows in {:.1} s ({:.0} rows/s); records created or changed have dateLastModified {}",
        s.rows,
        secs,
        s.rows as f64 / secs,
        s.date_last_modified
    )
}

/// `oneroster import PACKAGE`.
pub async fn run_import(store: &Store, args: &ImportArgs) -> anyhow::Result<()> {
    let mut options = args.csv.options()?;
    options.allow_mass_delete = args.allow_mass_delete;
    let progress = Arc::new(Progress::default());
    let bar = std::io::stderr().is_terminal().then(|| {
        let bar = ProgressBar::new_spinner();
        bar.set_style(
            ProgressStyle::with_template(
                "{spinner} [{elapsed_precise}] {pos} rows ({per_sec}) {msg}",
            )
            .unwrap_or_else(|_| ProgressStyle::default_spinner()),
        );
        let (bar2, progress2) = (bar.clone(), progress.clone());
        let ticker = tokio::spawn(async move {
            loop {
                bar2.set_position(progress2.rows.load(Ordering::Relaxed));
                let mib = progress2.bytes.load(Ordering::Relaxed) as f64 / (1 << 20) as f64;
                bar2.set_message(format!("{mib:.0} MiB read; {}", progress2.phase()));
                bar2.tick();
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        });
        (bar, ticker)
    });
    let result = import(store, Input::from_path(&args.package), &options, progress).await;
    if let Some((bar, ticker)) = bar {
        ticker.abort();
        bar.finish_and_clear();
    }
    let summary = result.map_err(|e| anyhow::anyhow!(e.describe()))?;
    print_summary(&mut std::io::stdout().lock(), &summary)?;
    Ok(())
}

/// `oneroster export OUT.zip [--since T]`: writes next to `OUT.zip`, then renames, so a failed
/// export never leaves a partial package behind.
pub async fn run_export(store: &Store, args: &ExportArgs) -> anyhow::Result<()> {
    let since = args.since_ms()?;
    let partial = args.out.with_extension("zip.partial");
    let file = std::fs::File::create(&partial)
        .map_err(|e| anyhow::anyhow!("cannot create {}: {e}", partial.display()))?;
    let written = export::export(store, BufWriter::new(file), since).await;
    let (writer, summary) = match written {
        Ok(w) => w,
        Err(e) => {
            let _ = std::fs::remove_file(&partial);
            return Err(e);
        }
    };
    let file = writer.into_inner().map_err(|e| e.into_error())?;
    file.sync_all()?;
    std::fs::rename(&partial, &args.out)?;
    let mut out = std::io::stdout().lock();
    for f in &summary.files {
        writeln!(out, "{:<34} {:>10} rows", f.file, f.rows)?;
    }
    writeln!(
        out,
        "wrote {} ({} package, {} files, {} rows)",
        args.out.display(),
        summary.mode.as_str(),
        summary.files.len(),
        summary.files.iter().map(|f| f.rows).sum::<u64>()
    )?;
    Ok(())
}
