//! The pages over plain HTTP: what they show, their forms and CSRF, the admin console
//! and a group's pages, sign-in redirects.

mod console;
mod group_pages;
mod pages;
mod redirects;
