//! The DynamoDB Local fixture and the `Db` handle.

use std::io::{BufRead, BufReader};
use std::net::TcpStream;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use aws_sdk_dynamodb::types::{
    AttributeDefinition, AttributeValue, BillingMode, KeySchemaElement, KeyType,
    ScalarAttributeType,
};
use dynomodel::local::DynamoDbLocal;
use dynomodel::{Db, Error};

use crate::common;

#[tokio::test]
async fn creates_a_table_puts_an_item_and_reads_it_back_with_the_raw_client() {
    let db = common::db().await;
    let table = db.table_name("pets");
    let client = db.client();
    client
        .create_table()
        .table_name(&table)
        .billing_mode(BillingMode::PayPerRequest)
        .attribute_definitions(
            AttributeDefinition::builder()
                .attribute_name("id")
                .attribute_type(ScalarAttributeType::S)
                .build()
                .unwrap(),
        )
        .key_schema(
            KeySchemaElement::builder()
                .attribute_name("id")
                .key_type(KeyType::Hash)
                .build()
                .unwrap(),
        )
        .send()
        .await
        .unwrap();
    client
        .put_item()
        .table_name(&table)
        .item("id", AttributeValue::S("1".into()))
        .item("name", AttributeValue::S("Beeba".into()))
        .send()
        .await
        .unwrap();
    let got = client
        .get_item()
        .table_name(&table)
        .key("id", AttributeValue::S("1".into()))
        .consistent_read(true)
        .send()
        .await
        .unwrap();
    let item = got.item().expect("the item that was put");
    assert_eq!(item.get("name"), Some(&AttributeValue::S("Beeba".into())));

    // ListTables answers 100 names a page: the other tests' tables may come first.
    let names = common::table_names(&dynomodel::Db::new(client.clone())).await;
    assert!(
        names.contains(&table),
        "{table} not among {} tables",
        names.len()
    );
}

#[tokio::test]
async fn table_prefixes_keep_tests_apart() {
    let a = common::db().await;
    let b = common::db().await;
    assert_ne!(a.table_name("pets"), b.table_name("pets"));
    assert!(a.table_name("pets").ends_with("_pets"));
}

#[tokio::test]
async fn an_endpoint_that_does_not_answer_is_a_one_line_config_error() {
    // Port 1 on loopback: nothing listens there, so the connection is refused at once.
    let started = Instant::now();
    let err = DynamoDbLocal::builder()
        .endpoint("http://127.0.0.1:1")
        .start()
        .await
        .unwrap_err();
    assert!(
        started.elapsed() < Duration::from_secs(30),
        "took {:?}",
        started.elapsed()
    );
    let Error::Config(message) = &err else {
        panic!("expected Error::Config, got {err:?}")
    };
    assert!(!message.contains('\n'), "not one line: {message}");
    assert!(
        message.contains("http://127.0.0.1:1 does not answer"),
        "{message}"
    );
    assert!(message.contains("unset DYNAMODB_ENDPOINT"), "{message}");
}

#[tokio::test]
async fn an_endpoint_that_is_not_a_url_is_a_config_error() {
    let err = Db::local("localhost:8000").await.unwrap_err();
    assert!(matches!(err, Error::Config(_)), "{err:?}");
    assert!(err.to_string().contains("http://HOST:PORT"), "{err}");
}

#[tokio::test]
async fn a_missing_java_is_a_config_error_that_says_what_to_install() {
    let err = DynamoDbLocal::builder()
        .ignore_env()
        .java("/nonexistent/bin/java")
        .start()
        .await
        .unwrap_err();
    let message = err.to_string();
    assert!(matches!(err, Error::Config(_)), "{err:?}");
    assert!(!message.contains('\n'), "not one line: {message}");
    assert!(message.contains("Java 17 or later"), "{message}");
    assert!(message.contains("openjdk-17-jre-headless"), "{message}");
}

#[tokio::test]
async fn a_port_in_use_is_a_config_error() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let err = DynamoDbLocal::builder()
        .ignore_env()
        .port(port)
        .start()
        .await
        .unwrap_err();
    assert!(err.to_string().contains(&format!("port {port}")), "{err}");
    drop(listener);
}

const HOLD: &str = "DYNOMODEL_TEST_HOLD_LOCAL";

#[tokio::test]
async fn killing_the_test_process_leaves_no_dynamodb_local_behind() {
    // Runs this binary again as a child that starts its own DynamoDB Local, then kills the
    // child with SIGKILL, so that no destructor of the child runs.
    let mut child = Command::new(std::env::current_exe().unwrap())
        .args([
            "local::hold_dynamodb_local",
            "--exact",
            "--ignored",
            "--nocapture",
        ])
        .env(HOLD, "1")
        .env_remove("DYNAMODB_ENDPOINT")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let port: u16 = tokio::task::spawn_blocking(move || {
        BufReader::new(stdout)
            .lines()
            .map_while(Result::ok)
            .find_map(|line| line.strip_prefix("PORT=").map(|p| p.parse().unwrap()))
    })
    .await
    .unwrap()
    .expect("the child printed the port of its DynamoDB Local");

    assert!(TcpStream::connect(("127.0.0.1", port)).is_ok());
    let pid = common::dynamodb_local_pid(port).expect("a JVM serves the child's port");

    child.kill().unwrap();
    child.wait().unwrap();

    let deadline = Instant::now() + Duration::from_secs(20);
    while common::dynamodb_local_pid(port).is_some() && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(
        common::dynamodb_local_pid(port),
        None,
        "JVM {pid} still runs after its test process was killed"
    );
    // The port itself is free again, and other tests may already have taken it: the JVM's
    // absence is what counts.
}

/// The child process of `killing_the_test_process_leaves_no_dynamodb_local_behind`.
#[tokio::test]
#[ignore = "a helper process, started by killing_the_test_process_leaves_no_dynamodb_local_behind"]
async fn hold_dynamodb_local() {
    if std::env::var_os(HOLD).is_none() {
        return;
    }
    let local = DynamoDbLocal::builder().ignore_env().start().await.unwrap();
    let port = local.endpoint().rsplit(':').next().unwrap();
    println!("PORT={port}");
    tokio::time::sleep(Duration::from_secs(120)).await;
}

#[tokio::test]
async fn dropping_the_handle_stops_dynamodb_local() {
    let local = DynamoDbLocal::builder().ignore_env().start().await.unwrap();
    assert!(local.is_managed());
    let port: u16 = local
        .endpoint()
        .rsplit(':')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    let db = local.db();
    db.client().list_tables().send().await.unwrap();
    assert!(common::dynamodb_local_pid(port).is_some());
    tokio::task::spawn_blocking(move || drop(local))
        .await
        .unwrap();
    assert_eq!(
        common::dynamodb_local_pid(port),
        None,
        "drop waited for the JVM to exit"
    );
}

#[tokio::test]
async fn a_port_that_another_dynamodb_local_serves_is_refused() {
    let shared = common::local().await;
    let port: u16 = shared
        .endpoint()
        .rsplit(':')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    let err = DynamoDbLocal::builder()
        .ignore_env()
        .port(port)
        .start()
        .await
        .unwrap_err();
    assert!(err.to_string().contains(&format!("port {port}")), "{err}");
}

#[tokio::test]
async fn a_server_that_ignores_sigterm_is_killed() {
    // A `java` that says it is Java 17, then never answers and ignores SIGTERM.
    let dir = std::env::temp_dir().join(format!("dynomodel-stubborn-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let java = dir.join("java");
    std::fs::write(
        &java,
        "#!/bin/sh\n\
         if [ \"$1\" = -version ]; then echo 'openjdk version \"17.0.99\"' >&2; exit 0; fi\n\
         trap '' TERM\n\
         while :; do sleep 0.2; done\n",
    )
    .unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&java, std::fs::Permissions::from_mode(0o755)).unwrap();
    let running = || {
        std::fs::read_dir("/proc").unwrap().any(|e| {
            std::fs::read(e.unwrap().path().join("cmdline"))
                .is_ok_and(|c| String::from_utf8_lossy(&c).starts_with(java.to_str().unwrap()))
        })
    };
    let start = DynamoDbLocal::builder()
        .ignore_env()
        .java(&java)
        .start_timeout(std::time::Duration::from_secs(2));
    let err = start.start().await.unwrap_err();
    assert!(err.to_string().contains("did not answer"), "{err}");
    assert!(!running(), "the stubborn server was left running");
    std::fs::remove_dir_all(&dir).unwrap();
}
