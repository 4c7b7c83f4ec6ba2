//! The pages in a real headless Chromium (skipped without one, unless required).

mod apps;
mod flows;
mod refresh;
