// The one translation unit that supplies Catch2's main() to the host tests.
#define CATCH_CONFIG_MAIN
#include <catch2/catch.hpp>
