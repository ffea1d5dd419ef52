//! The web layer of the blog: configuration, actix-web handlers, askama views,
//! middleware, and the subcommands of the `blog` binary.

pub mod app;
pub mod assets;
pub mod auth;
pub mod commands;
pub mod config;
pub mod error;
pub mod handlers;
pub mod monitor;
pub mod openapi;
pub mod state;
pub mod telemetry;
pub mod views;
