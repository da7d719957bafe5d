# The API now never answers /hang: re-recording runs until the caller's timeout kills it.
test_that("hang answers 200", {
  use_cassette("hang", {
    res <- api_get("/hang")
  })
  expect_equal(httr::status_code(res), 200)
})
