# The API used to answer 200 here; now it answers 500, so re-recording fails this test.
test_that("boom answers 200", {
  use_cassette("boom", {
    res <- api_get("/boom")
  })
  expect_equal(httr::status_code(res), 200)
})
