mod client_events;
mod http_api;
pub mod node_clients;
mod presence;
mod protocol;
mod push;
mod redis_fanout;
mod standalone;
mod webhooks;
