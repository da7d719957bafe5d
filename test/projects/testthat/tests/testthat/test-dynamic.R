# The cassette name is only known at run time, so no source scan can find it.
test_that("dynamic cassette name", {
  use_cassette(paste0("dyn_", "one"), {
    res <- api_get("/items/1")
  })
  expect_equal(httr::status_code(res), 200)
  expect_equal(api_json(res)$item$name, "alpha")
})
