//! The web layer of the blog: configuration, the composition root, actix-web
//! handlers, the JSON contract, askama views, middleware, and the subcommands
//! of the `blog` binary.
//!
//! | module | what |
//! |---|---|
//! | [`config`] | the nested configuration and its variable table |
//! | [`startup`] | [`startup::Application::build`]: configuration in, running service out |
//! | [`state`] | the services every handler reaches |
//! | [`routes`] | the route table and middleware order |
//! | [`handlers`] | parse, call one service, render |
//! | [`conduit`] | the RealWorld API under `/conduit/api/`: its routes, handlers, bodies and errors |
//! | [`wire`] | every JSON body and its OpenAPI schema |
//! | [`views`] | the askama pages |
//! | [`error`] | errors to statuses and bodies, in one place |
//! | [`request_metrics`], [`prometheus`] | per-request costs, `/metrics` |
//! | [`auth`] | the token extractors (Bearer header; the monitoring cookie) |
//! | [`openapi`], [`assets`] | `/api/openapi.json`, `/static/` |
//! | [`logging`] | the log subscriber |
//! | [`commands`] | `blog serve`, `migrate`, `seed`, `analyze` |

pub mod access_log;
pub mod admission;
pub mod api_docs;
pub mod assets;
pub mod auth;
pub mod client;
pub mod commands;
pub mod compression;
pub mod conduit;
pub mod config;
pub mod error;
pub mod handlers;
pub mod http_cache;
pub mod logging;
pub mod openapi;
pub mod pipeline;
pub mod prometheus;
pub mod readiness;
pub mod request_metrics;
pub mod routes;
pub mod server;
pub mod startup;
pub mod state;
pub mod views;
pub mod wire;
