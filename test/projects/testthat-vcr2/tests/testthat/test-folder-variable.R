# The folder lives in a variable, as in packages that keep their cassettes in one place.
status_dir <- "../testthat/fixtures"

test_that("status from a folder held in a variable", {
  vcr::local_cassette("status", dir = status_dir)
  res <- api_get("/status")
  expect_true(api_json(res)$ok)
})
