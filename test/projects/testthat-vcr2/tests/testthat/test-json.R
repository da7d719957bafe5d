test_that("a JSON cassette", {
  vcr::use_cassette("status_json", serialize_with = "json", {
    res <- api_get("/status")
  })
  expect_equal(httr2::resp_status(res), 200)
})
