//! The pages in a real headless Chromium (skipped without one, unless required).

mod account;
mod apps;
mod flows;
mod refresh;
