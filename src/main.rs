use std::io::IsTerminal;
use std::sync::Arc;

use axum::serve::ListenerExt;
use clap::Parser;
use oneroster::auth::clients;
use oneroster::auth::scope::{Scope, ScopeSet};
use oneroster::config::{Cli, ClientsCommand, Command, DbArgs, ServeArgs};
use oneroster::store::Store;
use oneroster::{AppState, demo, generate, openapi, store};
use tracing_subscriber::EnvFilter;

#[tokio::main]
async fn main() {
    let cli = Cli::parse();
    // Imports and exports run statements of many seconds by design: sqlx's slow-statement
    // alerts would only interrupt their progress bar.
    let default_filter = match cli.command {
        Command::Import(_) | Command::Export(_) => "warn,sqlx::query=error",
        _ => "info",
    };
    tracing_subscriber::fmt()
        .with_env_filter(
            EnvFilter::try_from_env("ONEROSTER_LOG")
                .unwrap_or_else(|_| EnvFilter::new(default_filter)),
        )
        .with_target(false)
        // Colours only for a terminal: a log file or collector gets plain lines.
        .with_ansi(std::io::stdout().is_terminal())
        .init();
    if let Err(e) = run(cli).await {
        eprintln!("error: {e:#}");
        std::process::exit(1);
    }
}

async fn open(db: &DbArgs) -> anyhow::Result<Store> {
    let store = Store::connect(&db.store_options()?).await?;
    store.migrate().await?;
    Ok(store)
}

fn parse_scopes(s: &str) -> anyhow::Result<ScopeSet> {
    let mut set = ScopeSet::default();
    for part in s.split([' ', ',']).filter(|p| !p.is_empty()) {
        // `all`: the 13 OneRoster scopes, combinable with others (`all admin`).
        if part == "all" {
            for scope in Scope::ALL {
                set.insert(scope);
            }
            continue;
        }
        let scope = Scope::parse(part).ok_or_else(|| {
            anyhow::anyhow!(
                "unknown scope '{part}'; use one of: all, admin, {}",
                Scope::ALL.map(|s| s.short()).join(", ")
            )
        })?;
        set.insert(scope);
    }
    anyhow::ensure!(!set.is_empty(), "--scopes names no scope");
    Ok(set)
}

async fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        Command::Serve(args) => serve(args).await,
        Command::Migrate(db) => {
            open(&db).await?;
            println!("migrations applied");
            Ok(())
        }
        Command::Demo(args) => {
            let store = open(&args.db).await?;
            let loaded = demo::load(&store).await?;
            let secret = demo::demo_client(&store).await?;
            println!(
                "{}",
                if loaded {
                    "demo district loaded"
                } else {
                    "demo district already present"
                }
            );
            println!("demo client id:     {}", demo::DEMO_CLIENT_ID);
            println!("demo client secret: {secret}");
            Ok(())
        }
        Command::Clients { db, action } => {
            let store = open(&db).await?;
            match action {
                ClientsCommand::Create {
                    name,
                    scopes,
                    client_id,
                    secret,
                } => {
                    let scopes = parse_scopes(&scopes)?;
                    let (client, secret) = clients::create(
                        &store,
                        &name,
                        scopes,
                        client_id.as_deref(),
                        secret.as_deref(),
                    )
                    .await?;
                    println!("client id:     {}", client.client_id);
                    println!("client secret: {secret}");
                    println!("(the secret is not stored and cannot be shown again)");
                }
                ClientsCommand::List => {
                    for c in clients::list(&store).await? {
                        let state = if c.revoked_at.is_some() {
                            "revoked"
                        } else {
                            "active"
                        };
                        let scopes: Vec<_> = c.scopes.iter().map(|s| s.short()).collect();
                        println!(
                            "{}\t{}\t{}\t{}",
                            c.client_id,
                            state,
                            c.name,
                            scopes.join(",")
                        );
                    }
                }
                ClientsCommand::Revoke { client_id } => {
                    anyhow::ensure!(
                        clients::revoke(&store, &client_id).await?,
                        "no active client '{client_id}'"
                    );
                    println!("client '{client_id}' revoked");
                }
            }
            Ok(())
        }
        Command::Import(args) => {
            let store = open(&args.db).await?;
            oneroster::csv::cli::run_import(&store, &args).await
        }
        Command::Export(args) => {
            let store = open(&args.db).await?;
            oneroster::csv::cli::run_export(&store, &args).await
        }
        Command::Generate(args) => {
            let options = generate::Options {
                students: args.students,
                seed: args.seed,
            };
            let summary = generate::generate(&options, &args.out)?;
            print!("{summary}");
            println!("wrote {}", args.out.display());
            Ok(())
        }
        Command::Openapi { out, public_url } => {
            let public_url = oneroster::config::check_public_url(&public_url)?;
            std::fs::create_dir_all(&out)?;
            for (name, doc) in openapi::all_documents(&public_url) {
                let path = out.join(format!("{name}.json"));
                std::fs::write(&path, openapi::to_json(&doc))?;
                println!("wrote {}", path.display());
            }
            let path = out.join("operations.md");
            std::fs::write(&path, openapi::operations_markdown())?;
            println!("wrote {}", path.display());
            Ok(())
        }
    }
}

async fn serve(args: ServeArgs) -> anyhow::Result<()> {
    let mut settings = args.settings()?;
    let listener = tokio::net::TcpListener::bind(settings.listen)
        .await
        .map_err(|e| anyhow::anyhow!("cannot listen on {}: {e}", settings.listen))?;
    // With port 0 the system picks the port; the default public URL follows it.
    let listen = listener.local_addr()?;
    if args.public_url.is_none() {
        settings.public_url = format!("http://{listen}");
    }
    let store = open(&args.db).await?;
    if args.demo {
        let loaded = demo::load(&store).await?;
        let secret = demo::demo_client(&store).await?;
        tracing::info!(loaded, "demo district ready");
        println!("demo client id:     {}", demo::DEMO_CLIENT_ID);
        println!("demo client secret: {secret}");
    }
    store::retention::spawn_housekeeping(store.clone(), settings.tombstone_retention_days);
    let public_url = settings.public_url.clone();
    let state = Arc::new(AppState::new(store.clone(), settings).await?);
    tracing::info!(%listen, %public_url, "OneRoster provider listening");
    println!(
        "listening on http://{listen} (public URL {public_url}); API docs at {public_url}/docs"
    );
    // Responses are written whole (or in large chunks): Nagle's algorithm would only hold
    // back the last segment of each one until the client's delayed ACK.
    let listener = listener.tap_io(|tcp| {
        if let Err(e) = tcp.set_nodelay(true) {
            tracing::debug!("cannot set TCP_NODELAY: {e}");
        }
    });
    axum::serve(listener, oneroster::app(state))
        .with_graceful_shutdown(shutdown_signal())
        .await?;
    store.close().await;
    tracing::info!("stopped");
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
    tracing::info!("shutting down: finishing in-flight requests");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn all_stands_for_the_13_scopes_alone_or_with_others() {
        let all = parse_scopes("all").unwrap();
        assert!(Scope::ALL.into_iter().all(|s| all.contains(s)));
        assert!(!all.contains(Scope::Admin));
        for spec in ["all admin", "admin,all", " all , admin "] {
            let set = parse_scopes(spec).unwrap();
            assert!(Scope::ALL.into_iter().all(|s| set.contains(s)), "{spec}");
            assert!(set.contains(Scope::Admin), "{spec}");
        }
        let e = parse_scopes("all roster").unwrap_err().to_string();
        assert!(e.contains("unknown scope 'roster'"), "{e}");
    }
}
