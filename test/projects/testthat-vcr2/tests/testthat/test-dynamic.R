# The cassette name is only known at run time, so no source scan can find it.
test_that("dynamic cassette name", {
  vcr::use_cassette(paste0("dyn_", "one"), {
    res <- api_get("/items/1")
  })
  expect_equal(httr2::resp_status(res), 200)
})
