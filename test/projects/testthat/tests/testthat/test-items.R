test_that("lists all items", {
  use_cassette("items", {
    res <- api_get("/items")
  })
  expect_equal(httr::status_code(res), 200)
  body <- api_json(res)
  expect_match(body$generation, "^g[0-9]+$")
  expect_equal(vapply(body$items, `[[`, "", "name"), c("alpha", "beta", "gamma"))
})

test_that("gets item two", {
  use_cassette("item_two", {
    res <- api_get("/items/2")
  })
  expect_equal(httr::status_code(res), 200)
  expect_equal(api_json(res)$item$name, "beta")
})
