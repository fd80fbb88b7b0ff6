/*
 * gw_onion_int.h - test hooks of the onion manager (tests/check_onion*).
 * Owns: nothing. Never: used by the daemon itself.
 */
#ifndef GW_GATEWAYD_GW_ONION_INT_H
#define GW_GATEWAYD_GW_ONION_INT_H

struct gw_onion;

/* Override the snapshot's [health] upload_timeout (whose minimum is 10 s)
 * so a unit test can see a timeout without waiting for it. */
void	gw_onion_test_set_upload_timeout(struct gw_onion *on, unsigned ms);
/* Override [health] probe_interval (0 = off). */
void	gw_onion_test_set_probe_interval(struct gw_onion *on, unsigned ms);

#endif /* GW_GATEWAYD_GW_ONION_INT_H */
