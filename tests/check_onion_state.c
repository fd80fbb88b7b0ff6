#include "config.h"
#include "tests/check_onion.h"
Suite *onion_state_suite(void) { return suite_create("onion_state"); }
