//! Faults: a DynamoDB Local killed in the middle of a batch, an endpoint that refuses
//! connections, and a server that accepts them and never answers.

use std::collections::HashMap;
use std::io::Read;
use std::net::TcpListener;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use dynomodel::batch::BatchOptions;
use dynomodel::local::DynamoDbLocal;
use dynomodel::prelude::*;

use crate::common;
use crate::ops::{pet, Pet};

#[tokio::test]
async fn a_dynamodb_local_killed_mid_batch_loses_nothing_that_was_not_reported() {
    let dir = std::env::temp_dir().join(format!("dynomodel-fault-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let local = DynamoDbLocal::builder()
        .ignore_env()
        .db_path(&dir)
        .start()
        .await
        .unwrap();
    let port: u16 = local
        .endpoint()
        .rsplit(':')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    let db = local
        .db()
        .with_timeouts(Duration::from_secs(1), Duration::from_secs(5));
    Pet::create_table().exec(&db).await.unwrap();

    let pets: Vec<Pet> = (0..5000)
        .map(|i| {
            let mut p = pet(&format!("k{i:05}"));
            p.age = (i % 100) as u32;
            p
        })
        .collect();
    // One chunk at a time, so that the batch takes long enough to be cut in the middle.
    let options = BatchOptions {
        concurrency: 1,
        max_attempts: 3,
        base_delay: Duration::from_millis(10),
        max_delay: Duration::from_millis(50),
    };
    let writer = {
        let db = db.clone();
        let pets = pets.clone();
        tokio::spawn(async move {
            Pet::batch_put(pets)
                .overwrite_versions()
                .options(options)
                .exec(&db)
                .await
        })
    };
    // Let part of the batch land, then kill the JVM outright: no shutdown of any kind.
    loop {
        let n = Pet::scan().count(&db).await.unwrap();
        if n >= 500 {
            break;
        }
        assert!(
            !writer.is_finished(),
            "the batch ended before it could be cut ({n} counted)"
        );
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let pid = common::dynamodb_local_pid(port).expect("the JVM of the fixture");
    let killed = std::process::Command::new("kill")
        .args(["-9", &pid.to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let result = writer.await.unwrap();
    let reported: Vec<String> = match &result {
        Ok(()) => Vec::new(),
        Err(Error::BatchIncomplete { unprocessed, .. }) => unprocessed
            .iter()
            .map(|k| k["id"].as_s().unwrap().clone())
            .collect(),
        Err(e) => panic!("{e}"),
    };
    drop(local);

    let restarted = DynamoDbLocal::builder()
        .ignore_env()
        .db_path(&dir)
        .port(port)
        .start()
        .await
        .unwrap();
    let db = restarted.db();
    let stored: HashMap<String, Pet> = Pet::scan()
        .consistent()
        .all(&db)
        .await
        .expect("every stored item decodes")
        .into_iter()
        .map(|p| (p.id.clone(), p))
        .collect();
    let reported: std::collections::HashSet<String> = reported.into_iter().collect();
    let mut lost = Vec::new();
    for mut p in pets {
        p.version = 1;
        match stored.get(&p.id) {
            Some(s) => assert_eq!(s, &p, "stored, and intact"),
            None if reported.contains(&p.id) => {}
            None => lost.push(p.id),
        }
    }
    assert!(
        lost.is_empty(),
        "written according to the batch, but not stored: {lost:?}"
    );
    eprintln!(
        "killed mid-batch: {} stored, {} reported unwritten ({} of those stored anyway)",
        stored.len(),
        reported.len(),
        reported
            .iter()
            .filter(|id| stored.contains_key(*id))
            .count()
    );
    assert!(!reported.is_empty(), "the kill came before the batch ended");
    drop(restarted);
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn an_endpoint_that_refuses_fails_fast_and_says_so() {
    let db = Db::local("http://127.0.0.1:1")
        .await
        .unwrap()
        .with_timeouts(Duration::from_secs(1), Duration::from_secs(2));
    let started = Instant::now();
    let err = Pet::get(Pet::key("1")).exec(&db).await.unwrap_err();
    assert!(
        started.elapsed() < Duration::from_secs(15),
        "{:?}",
        started.elapsed()
    );
    assert!(err.is_retryable(), "{err}");
    let text = err.to_string();
    assert!(text.starts_with("DynamoDB GetItem failed"), "{text}");
    assert!(text.contains("onnect"), "names the connection: {text}");
}

#[tokio::test]
async fn a_server_that_never_answers_times_out() {
    // Accepts connections and reads, but never writes a byte back.
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    listener.set_nonblocking(true).unwrap();
    let stop = Arc::new(AtomicBool::new(false));
    let server = {
        let stop = stop.clone();
        std::thread::spawn(move || {
            let mut held = Vec::new();
            let deadline = Instant::now() + Duration::from_secs(60);
            while !stop.load(Ordering::Relaxed) && Instant::now() < deadline {
                if let Ok((mut s, _)) = listener.accept() {
                    let _ = s.set_read_timeout(Some(Duration::from_millis(10)));
                    let mut buf = [0u8; 4096];
                    let _ = s.read(&mut buf);
                    held.push(s);
                }
                std::thread::sleep(Duration::from_millis(10));
            }
        })
    };
    let db = Db::local(format!("http://127.0.0.1:{port}"))
        .await
        .unwrap()
        .with_timeouts(Duration::from_secs(1), Duration::from_secs(1));
    let started = Instant::now();
    let err = Pet::get(Pet::key("1")).exec(&db).await.unwrap_err();
    let elapsed = started.elapsed();
    stop.store(true, Ordering::Relaxed);
    server.join().unwrap();
    assert!(elapsed < Duration::from_secs(20), "{elapsed:?}");
    assert!(
        elapsed >= Duration::from_secs(1),
        "it waited for the timeout: {elapsed:?}"
    );
    assert!(err.is_retryable(), "{err}");
    assert!(
        err.to_string().contains("timeout"),
        "says it timed out: {err}"
    );
}
