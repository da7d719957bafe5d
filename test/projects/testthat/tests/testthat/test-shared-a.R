test_that("status is ok (a)", {
  use_cassette("status", {
    res <- api_get("/status")
  })
  expect_equal(httr::status_code(res), 200)
  expect_true(api_json(res)$ok)
})
