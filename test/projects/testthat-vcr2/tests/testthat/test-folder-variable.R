# The folder lives in a variable, as in packages that keep their cassettes in one place.
vcr_dir <- "../testthat/fixtures"

test_that("status from a folder held in a variable", {
  vcr::local_cassette("status", dir = vcr_dir)
  res <- api_get("/status")
  expect_true(api_json(res)$ok)
})

test_that("a block that configures the folder for itself", {
  vcr::local_vcr_configure(dir = vcr_dir)
  vcr::local_cassette("status_configured")
  res <- api_get("/status")
  expect_true(api_json(res)$ok)
})

test_that("after that block, the default folder again", {
  vcr::local_cassette("status_default")
  res <- api_get("/status")
  expect_true(api_json(res)$ok)
})
