#include "crm_lookup.hpp"

#include <gtest/gtest.h>

namespace junction::crm {
namespace {

TEST(SearchRequests, FiveSingleFieldQueriesShareARequest) {
  EXPECT_EQ(search_request_ends(std::vector<std::size_t>(12, 1)),
            (std::vector<std::size_t>{5, 10, 12}));
}

TEST(SearchRequests, NoRequestHoldsMoreThanEighteenFilters) {
  // Four-property queries: four make 16 filters, a fifth would make 20.
  EXPECT_EQ(search_request_ends(std::vector<std::size_t>(9, 4)),
            (std::vector<std::size_t>{4, 8, 9}));
  EXPECT_EQ(search_request_ends({6, 6, 6, 1}), (std::vector<std::size_t>{3, 4}));
  EXPECT_EQ(search_request_ends({1, 6, 6, 6}), (std::vector<std::size_t>{3, 4}));
}

TEST(SearchRequests, NoQueriesMakeNoRequest) {
  EXPECT_TRUE(search_request_ends({}).empty());
}

}  // namespace
}  // namespace junction::crm
