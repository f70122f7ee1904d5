use crate::channels_support::{data_of, subscribe_message, test_config, TestServer};

#[tokio::test]
async fn presence_subscription_lists_the_members_including_the_newcomer() {
    let server = TestServer::start(test_config()).await;
    let mut alice = server.client().await;
    let mut bob = server.client().await;
    alice
        .subscribe_presence("presence-site", "1", "Alice")
        .await;

    let succeeded = bob.subscribe_presence("presence-site", "2", "Bob").await;

    let presence = &data_of(&succeeded)["presence"];
    assert_eq!(presence["count"], 2);
    let mut ids: Vec<&str> = presence["ids"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    ids.sort();
    assert_eq!(ids, ["1", "2"]);
    assert_eq!(presence["hash"]["1"]["name"], "Alice");
    assert_eq!(presence["hash"]["2"]["name"], "Bob");
}

#[tokio::test]
async fn members_are_told_when_someone_arrives_and_leaves() {
    let server = TestServer::start(test_config()).await;
    let mut alice = server.client().await;
    let mut bob = server.client().await;
    alice
        .subscribe_presence("presence-site", "1", "Alice")
        .await;

    bob.subscribe_presence("presence-site", "2", "Bob").await;
    let added = alice.expect("pusher_internal:member_added").await;
    drop(bob);
    let removed = alice.expect("pusher_internal:member_removed").await;

    assert_eq!(data_of(&added)["user_id"], "2");
    assert_eq!(data_of(&added)["user_info"]["name"], "Bob");
    assert_eq!(data_of(&removed)["user_id"], "2");
}

#[tokio::test]
async fn a_user_with_two_sockets_is_one_member() {
    let server = TestServer::start(test_config()).await;
    let mut watcher = server.client().await;
    let mut first_tab = server.client().await;
    let mut second_tab = server.client().await;
    watcher
        .subscribe_presence("presence-site", "9", "Watcher")
        .await;

    first_tab
        .subscribe_presence("presence-site", "1", "Alice")
        .await;
    watcher.expect("pusher_internal:member_added").await;
    let second = second_tab
        .subscribe_presence("presence-site", "1", "Alice")
        .await;
    drop(first_tab);
    tokio::time::sleep(std::time::Duration::from_millis(100)).await;

    assert_eq!(data_of(&second)["presence"]["count"], 2);
    assert_eq!(server.hub.channel_info("presence-site").user_count, Some(2));
    assert_eq!(
        server.hub.channel_users("presence-site").unwrap(),
        ["1", "9"]
    );
    watcher.assert_nothing_pending().await;
}

#[tokio::test]
async fn presence_without_channel_data_is_refused() {
    let server = TestServer::start(test_config()).await;
    let mut client = server.client().await;
    let auth = caretaker::signing::channel_auth(
        crate::channels_support::KEY,
        &crate::channels_support::secret(),
        &client.socket_id,
        "presence-site",
        None,
    );

    client
        .send(subscribe_message("presence-site", Some(&auth), None))
        .await;

    let outcome = client.subscription_outcome("presence-site").await;
    assert_eq!(outcome["event"], "pusher:subscription_error");
    client.assert_alive().await;
}
