use crate::helpers::{json, spawn_app};

#[tokio::test]
async fn unknown_routes_answer_a_json_404() {
    let app = spawn_app().await;

    let response = app.get("/definitely/not/here").await;

    assert_eq!(response.status(), 404);
    assert!(
        response.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("application/json")
    );
    let body = json(response).await;
    assert_eq!(body["error"], "not_found");
    assert!(
        body["message"]
            .as_str()
            .unwrap()
            .contains("/definitely/not/here")
    );
}

#[tokio::test]
async fn wrong_method_on_a_known_path_is_a_json_error() {
    let app = spawn_app().await;

    let response = app
        .client
        .post(format!("{}/healthz", app.address))
        .body("x")
        .send()
        .await
        .unwrap();

    assert!(response.status().is_client_error());
    let body = json(response).await;
    assert!(body["error"].is_string());
    assert!(body["message"].is_string());
}
