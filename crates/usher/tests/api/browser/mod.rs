//! The pages in a real headless Chromium (skipped without one, unless required).

mod account;
mod apps;
mod every_page;
mod flows;
mod refresh;
