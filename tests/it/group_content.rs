//! Group content (issue 7): announcements and shared files, with their permission matrix.
use crate::common;

use common::groups::{Cast, EVERYONE, Who, as_who, cast, expected};
use common::{START_MS, TestApp};
use serde_json::{Value, json};

async fn announce(app: &TestApp, c: &Cast, title: &str, content: &str) -> Value {
    let r = app
        .post("/group/announcement/edit")
        .token(&c.owner.1)
        .json(json!({"group_id": c.gid, "title": title, "content": content}))
        .send()
        .await;
    r.ok().clone()
}

async fn upload(app: &TestApp, token: &str, gid: i64, name: &str) -> Value {
    let r = app
        .post("/group/file/upload")
        .token(token)
        .json(json!({"group_id": gid, "name": name, "size": 42, "type": "pdf", "url": "https://cdn.example.com/f.pdf"}))
        .send()
        .await;
    r.ok().clone()
}

fn ids(v: &Value, key: &str) -> Vec<i64> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|i| i[key].as_i64().unwrap())
        .collect()
}

db_test!(
    announcements_need_an_admin_to_change_and_a_member_to_read,
    |app: TestApp| async move {
        let c = cast(&app).await;
        let a = announce(&app, &c, "t", "c").await;
        let aid = a["id"].as_i64().unwrap();
        for who in EVERYONE {
            let r = as_who(app.post("/group/announcement/edit"), &c, who)
                .json(json!({"group_id": c.gid, "title": "t", "content": "c"}))
                .send()
                .await;
            assert_eq!(r.code(), expected(who, 1), "{who:?} edit: {:?}", r.body);
            let victim = announce(&app, &c, "v", "v").await["id"].as_i64().unwrap();
            let method = if matches!(who, Who::Owner | Who::Member) {
                app.delete("/group/announcement/delete")
            } else {
                app.post("/group/announcement/delete")
            };
            let r = as_who(method, &c, who)
                .query("group_id", c.gid)
                .query("announcement_id", victim)
                .send()
                .await;
            assert_eq!(r.code(), expected(who, 1), "{who:?} delete: {:?}", r.body);
            let r = as_who(app.get("/group/announcement"), &c, who)
                .query("group_id", c.gid)
                .query("announcement_id", aid)
                .send()
                .await;
            assert_eq!(r.code(), expected(who, 0), "{who:?} get: {:?}", r.body);
            for path in ["/group/announcement/last", "/group/announcement/list"] {
                let r = as_who(app.get(path), &c, who)
                    .query("group_id", c.gid)
                    .send()
                    .await;
                assert_eq!(r.code(), expected(who, 0), "{who:?} {path}: {:?}", r.body);
            }
        }
    }
);

db_test!(
    announcements_publish_read_and_delete,
    |app: TestApp| async move {
        let c = cast(&app).await;
        // none yet: last answers data null, the list is empty
        let r = app
            .get("/group/announcement/last")
            .token(&c.member.1)
            .query("group_id", c.gid)
            .send()
            .await;
        assert!(r.ok().is_null());
        let r = app
            .get("/group/announcement/list")
            .token(&c.member.1)
            .query("group_id", c.gid)
            .send()
            .await;
        assert_eq!(r.ok(), &json!([]));

        // every edit publishes a new announcement, with its author and time
        let r = app
            .post("/group/announcement/edit")
            .token(&c.admin.1)
            .json(json!({"group_id": c.gid, "title": "First", "content": "Hello"}))
            .send()
            .await;
        let first = r.ok().clone();
        assert_eq!(first["author"], c.admin.0);
        assert_eq!(first["group_id"], c.gid);
        assert_eq!(first["title"], "First");
        assert_eq!(first["content"], "Hello");
        assert_eq!(first["created_at"], START_MS);
        app.clock.advance_ms(1_000);
        let r = app
            .post("/group/announcement/edit")
            .admin()
            .header("group_id", c.gid)
            .json(json!({"group_id": c.gid, "title": "Second", "content": "World"}))
            .send()
            .await;
        let second = r.ok().clone();
        assert_eq!(second["author"], 0);
        assert_eq!(second["created_at"], START_MS + 1_000);
        assert_ne!(first["id"], second["id"]);

        let r = app
            .get("/group/announcement")
            .token(&c.member.1)
            .query("group_id", c.gid)
            .query("announcement_id", first["id"].clone())
            .send()
            .await;
        assert_eq!(r.ok(), &first);
        let r = app
            .get("/group/announcement/last")
            .token(&c.member.1)
            .query("group_id", c.gid)
            .send()
            .await;
        assert_eq!(r.ok(), &second);
        let r = app
            .get("/group/announcement/list")
            .token(&c.member.1)
            .query("group_id", c.gid)
            .send()
            .await;
        assert_eq!(r.ok(), &json!([second, first]));

        // absent, or of another group: 20020
        app.get("/group/announcement")
            .token(&c.member.1)
            .query("group_id", c.gid)
            .query("announcement_id", 424242)
            .send()
            .await
            .err(20020);
        let other = app
            .post("/group/announcement/edit")
            .token(&c.outsider.1)
            .json(json!({"group_id": c.other_gid, "title": "o", "content": "o"}))
            .send()
            .await;
        let other_id = other.ok()["id"].as_i64().unwrap();
        app.get("/group/announcement")
            .token(&c.member.1)
            .query("group_id", c.gid)
            .query("announcement_id", other_id)
            .send()
            .await
            .err(20020);
        app.delete("/group/announcement/delete")
            .token(&c.owner.1)
            .query("group_id", c.gid)
            .query("announcement_id", other_id)
            .send()
            .await
            .err(20020);

        // delete answers the deleted announcement; last falls back to the one before
        let r = app
            .delete("/group/announcement/delete")
            .token(&c.owner.1)
            .query("group_id", c.gid)
            .query("announcement_id", second["id"].clone())
            .send()
            .await;
        assert_eq!(r.ok(), &second);
        app.delete("/group/announcement/delete")
            .token(&c.owner.1)
            .query("group_id", c.gid)
            .query("announcement_id", second["id"].clone())
            .send()
            .await
            .err(20020);
        let r = app
            .get("/group/announcement/last")
            .token(&c.member.1)
            .query("group_id", c.gid)
            .send()
            .await;
        assert_eq!(r.ok(), &first);

        // limits: title 1-128, content 1-4096, both required
        let edit = |title: Value, content: Value| {
            app.post("/group/announcement/edit")
                .token(&c.owner.1)
                .json(json!({"group_id": c.gid, "title": title, "content": content}))
                .send()
        };
        assert!(
            edit(json!(""), json!("c"))
                .await
                .err(10002)
                .contains("title")
        );
        assert!(
            edit(json!("t".repeat(129)), json!("c"))
                .await
                .err(10002)
                .contains("title")
        );
        assert!(
            edit(json!("t"), json!(""))
                .await
                .err(10002)
                .contains("content")
        );
        assert!(
            edit(json!("t"), json!("c".repeat(4097)))
                .await
                .err(10002)
                .contains("content")
        );
        assert!(
            edit(json!("t"), Value::Null)
                .await
                .err(10002)
                .contains("content")
        );
        let r = edit(json!("é".repeat(128)), json!("c".repeat(4096))).await;
        r.ok();
        app.get("/group/announcement")
            .token(&c.owner.1)
            .query("group_id", c.gid)
            .send()
            .await
            .err(10002);
        app.get("/group/announcement/list")
            .token(&c.owner.1)
            .query("group_id", 424242)
            .send()
            .await
            .err(20001);
        // a dissolved group: readable, no new announcements
        app.delete("/group/destroy")
            .token(&c.owner.1)
            .query("group_id", c.gid)
            .send()
            .await
            .ok();
        edit(json!("t"), json!("c")).await.err(20001);
        let r = app
            .get("/group/announcement/list")
            .token(&c.member.1)
            .query("group_id", c.gid)
            .send()
            .await;
        assert_eq!(r.ok().as_array().unwrap().len(), 2);
    }
);

db_test!(
    files_need_a_member_and_changes_the_uploader_or_an_admin,
    |app: TestApp| async move {
        let c = cast(&app).await;
        let f = upload(&app, &c.owner.1, c.gid, "a.pdf").await;
        let fid = f["file_id"].as_i64().unwrap();
        for who in EVERYONE {
            let r = as_who(app.post("/group/file/upload"), &c, who)
                .json(json!({"group_id": c.gid, "name": "n", "size": 0, "url": "http://e.com/x"}))
                .send()
                .await;
            assert_eq!(r.code(), expected(who, 0), "{who:?} upload: {:?}", r.body);
            let r = as_who(app.get("/group/file"), &c, who)
                .query("group_id", c.gid)
                .query("file_id", fid)
                .send()
                .await;
            assert_eq!(r.code(), expected(who, 0), "{who:?} get: {:?}", r.body);
            let r = as_who(app.get("/group/file/list"), &c, who)
                .query("group_id", c.gid)
                .send()
                .await;
            assert_eq!(r.code(), expected(who, 0), "{who:?} list: {:?}", r.body);
            // the owner's file: plain members are refused (20023), admins and the owner may
            let want = match who {
                Who::Member | Who::AppAsMember => 20023,
                _ => expected(who, 0),
            };
            let method = if matches!(who, Who::Owner | Who::Member) {
                app.put("/group/file/update_name")
            } else {
                app.post("/group/file/update_name")
            };
            let r = as_who(method, &c, who)
                .json(json!({"group_id": c.gid, "file_id": fid, "name": "renamed"}))
                .send()
                .await;
            assert_eq!(r.code(), want, "{who:?} update_name: {:?}", r.body);
            let victim = upload(&app, &c.owner.1, c.gid, "victim").await["file_id"]
                .as_i64()
                .unwrap();
            let method = if matches!(who, Who::Owner | Who::Member) {
                app.delete("/group/file/delete")
            } else {
                app.post("/group/file/delete")
            };
            let r = as_who(method, &c, who)
                .json(json!({"group_id": c.gid, "file_list": [victim]}))
                .send()
                .await;
            assert_eq!(r.code(), expected(who, 0), "{who:?} delete: {:?}", r.body);
            if r.code() == 200 {
                let result = if want == 200 { "success" } else { "fail" };
                assert_eq!(r.ok()[0]["result"], result, "{who:?} delete: {:?}", r.body);
            }
        }
    }
);

db_test!(
    files_upload_read_rename_and_delete,
    |app: TestApp| async move {
        let c = cast(&app).await;
        let r = app
        .post("/group/file/upload")
        .token(&c.member.1)
        .json(json!({"group_id": c.gid, "name": "notes.txt", "size": 1234, "type": "text/plain", "url": "https://cdn.example.com/notes.txt"}))
        .send()
        .await;
        let mine = r.ok().clone();
        assert_eq!(
            mine,
            json!({"created_at": START_MS, "file_id": mine["file_id"], "group_id": c.gid, "name": "notes.txt", "size": 1234,
               "type": "text/plain", "updated_at": START_MS, "uploader": c.member.0, "url": "https://cdn.example.com/notes.txt"})
        );
        let mid = mine["file_id"].as_i64().unwrap();
        // type is optional
        let r = app
            .post("/group/file/upload")
            .token(&c.admin.1)
            .json(json!({"group_id": c.gid, "name": "b", "size": 0, "url": "http://e.com/b"}))
            .send()
            .await;
        let theirs = r.ok().clone();
        assert!(theirs["type"].is_null());
        let tid = theirs["file_id"].as_i64().unwrap();
        let r = app
            .post("/group/file/upload")
            .admin()
            .header("group_id", c.gid)
            .json(json!({"group_id": c.gid, "name": "c", "size": 1, "url": "http://e.com/c"}))
            .send()
            .await;
        assert_eq!(r.ok()["uploader"], 0);

        let r = app
            .get("/group/file")
            .token(&c.extra[0].1)
            .query("group_id", c.gid)
            .query("file_id", mid)
            .send()
            .await;
        assert_eq!(r.ok(), &mine);
        let r = app
            .get("/group/file/list")
            .token(&c.extra[0].1)
            .query("group_id", c.gid)
            .send()
            .await;
        assert_eq!(ids(r.ok(), "file_id"), vec![tid + 1, tid, mid]);
        app.get("/group/file")
            .token(&c.member.1)
            .query("group_id", c.gid)
            .query("file_id", 424242)
            .send()
            .await
            .err(20022);
        let other = upload(&app, &c.outsider.1, c.other_gid, "x").await["file_id"]
            .as_i64()
            .unwrap();
        app.get("/group/file")
            .token(&c.member.1)
            .query("group_id", c.gid)
            .query("file_id", other)
            .send()
            .await
            .err(20022);

        // rename: the uploader, admins and the owner
        app.clock.advance_ms(5_000);
        let rename = |token: &str, fid: i64, name: Value| {
            app.put("/group/file/update_name")
                .token(token)
                .json(json!({"group_id": c.gid, "file_id": fid, "name": name}))
                .send()
        };
        assert_eq!(
            rename(&c.member.1, mid, json!("mine.txt")).await.ok(),
            &json!(true)
        );
        let r = app
            .get("/group/file")
            .token(&c.member.1)
            .query("group_id", c.gid)
            .query("file_id", mid)
            .send()
            .await;
        assert_eq!(r.ok()["name"], "mine.txt");
        assert_eq!(r.ok()["updated_at"], START_MS + 5_000);
        assert_eq!(r.ok()["created_at"], START_MS);
        rename(&c.member.1, tid, json!("no")).await.err(20023);
        rename(&c.extra[0].1, mid, json!("no")).await.err(20023);
        rename(&c.admin.1, mid, json!("by admin")).await.ok();
        rename(&c.owner.1, tid, json!("by owner")).await.ok();
        rename(&c.owner.1, 424242, json!("x")).await.err(20022);
        rename(&c.owner.1, other, json!("x")).await.err(20022);
        assert!(
            rename(&c.owner.1, mid, json!(""))
                .await
                .err(10002)
                .contains("name")
        );
        assert!(
            rename(&c.owner.1, mid, json!("n".repeat(256)))
                .await
                .err(10002)
                .contains("name")
        );
        rename(&c.owner.1, mid, json!("n".repeat(255))).await.ok();

        // delete: per file
        let r = app
            .delete("/group/file/delete")
            .token(&c.member.1)
            .json(json!({"group_id": c.gid, "file_list": [tid, mid, 424242, mid]}))
            .send()
            .await;
        let items = r.ok().clone();
        let got: Vec<(i64, &str)> = items
            .as_array()
            .unwrap()
            .iter()
            .map(|i| {
                (
                    i["file_id"].as_i64().unwrap(),
                    i["result"].as_str().unwrap(),
                )
            })
            .collect();
        assert_eq!(got, vec![(tid, "fail"), (mid, "success"), (424242, "fail")]);
        assert!(
            items[0]["reason"]
                .as_str()
                .unwrap()
                .contains("no permission")
        );
        assert!(items[1]["reason"].is_null());
        assert!(
            items[2]["reason"]
                .as_str()
                .unwrap()
                .contains("does not exist")
        );
        let r = app
            .get("/group/file/list")
            .token(&c.member.1)
            .query("group_id", c.gid)
            .send()
            .await;
        assert_eq!(ids(r.ok(), "file_id"), vec![tid + 1, tid]);
        let r = app
            .post("/group/file/delete")
            .token(&c.admin.1)
            .json(json!({"group_id": c.gid, "file_list": [tid, tid + 1, other]}))
            .send()
            .await;
        let got: Vec<&str> = r
            .ok()
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i["result"].as_str().unwrap())
            .collect();
        assert_eq!(got, vec!["success", "success", "fail"]);
        let r = app
            .get("/group/file/list")
            .token(&c.member.1)
            .query("group_id", c.gid)
            .send()
            .await;
        assert_eq!(r.ok(), &json!([]));
        let many: Vec<i64> = (1..=501).collect();
        assert!(
            app.post("/group/file/delete")
                .token(&c.owner.1)
                .json(json!({"group_id": c.gid, "file_list": many}))
                .send()
                .await
                .err(10002)
                .contains("file_list")
        );
        let r = app
            .post("/group/file/delete")
            .token(&c.owner.1)
            .json(json!({"group_id": c.gid, "file_list": []}))
            .send()
            .await;
        assert_eq!(r.ok(), &json!([]));
    }
);

db_test!(file_uploads_are_checked, |app: TestApp| async move {
    let c = cast(&app).await;
    let base = json!({"group_id": c.gid, "name": "n", "size": 1, "url": "https://e.com/n"});
    let with = |field: &str, value: Value| {
        let mut body = base.clone();
        if value.is_null() {
            body.as_object_mut().unwrap().remove(field);
        } else {
            body[field] = value;
        }
        app.post("/group/file/upload")
            .token(&c.member.1)
            .json(body)
            .send()
    };
    for (field, bad) in [
        ("name", json!("")),
        ("name", json!("n".repeat(256))),
        ("name", Value::Null),
        ("size", json!(-1)),
        ("size", json!("1")),
        ("size", Value::Null),
        ("type", json!("t".repeat(129))),
        ("url", json!("ftp://e.com/n")),
        ("url", json!("javascript:alert(1)")),
        ("url", json!("not a url")),
        ("url", json!("https://")),
        ("url", json!(format!("https://e.com/{}", "a".repeat(2048)))),
        ("url", Value::Null),
    ] {
        let r = with(field, bad.clone()).await;
        assert!(r.err(10002).contains(field), "{field}={bad}: {:?}", r.body);
    }
    with("url", json!("HTTPS://E.com/Upper?q=1#f")).await.ok();
    with("size", json!(0)).await.ok();
    app.post("/group/file/upload")
        .token(&c.member.1)
        .json(json!({"group_id": 424242, "name": "n", "size": 1, "url": "https://e.com/n"}))
        .send()
        .await
        .err(20001);
    app.get("/group/file")
        .token(&c.member.1)
        .query("group_id", c.gid)
        .send()
        .await
        .err(10002);
});

db_test!(
    nul_characters_are_refused_not_stored,
    |app: TestApp| async move {
        // PostgreSQL text cannot hold U+0000: refused with 10002 on every backend, never a 500
        let c = cast(&app).await;
        let r = app
            .post("/group/announcement/edit")
            .token(&c.owner.1)
            .json(json!({"group_id": c.gid, "title": "a\u{0}b", "content": "c"}))
            .send()
            .await;
        assert!(r.err(10002).contains("title"));
        let r = app
            .post("/group/announcement/edit")
            .token(&c.owner.1)
            .json(json!({"group_id": c.gid, "title": "t", "content": "\u{0}"}))
            .send()
            .await;
        assert!(r.err(10002).contains("content"));
        for (field, value) in [
            ("name", "a\u{0}"),
            ("type", "t\u{0}"),
            ("url", "https://e.com/\u{0}"),
        ] {
            let mut body =
                json!({"group_id": c.gid, "name": "n", "size": 1, "url": "https://e.com/n"});
            body[field] = json!(value);
            let r = app
                .post("/group/file/upload")
                .token(&c.member.1)
                .json(body)
                .send()
                .await;
            assert!(r.err(10002).contains(field), "{field}: {:?}", r.body);
        }
        let fid = upload(&app, &c.member.1, c.gid, "f").await["file_id"]
            .as_i64()
            .unwrap();
        let r = app
            .put("/group/file/update_name")
            .token(&c.member.1)
            .json(json!({"group_id": c.gid, "file_id": fid, "name": "x\u{0}"}))
            .send()
            .await;
        assert!(r.err(10002).contains("name"));
    }
);
