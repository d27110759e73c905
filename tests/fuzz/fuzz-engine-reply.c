/*
 * Docker Engine API replies: the body decoding every call goes through
 * (mc_engine_decode_reply, mc_engine_reply_message in src/engine.c) and the
 * readers of /version, /info (mc_swarm_role_from_info) and /swarm/init.
 */
#include "buildconf.h"

#include "engine.h"
#include "fuzz.h"
#include "swarm.h"
#include "util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	json_t *reply = mc_engine_decode_reply((const char *)data, size);
	const char *msg;

	FUZZ_ASSERT(reply);
	if (size == 0)
		FUZZ_ASSERT(json_is_null(reply));
	msg = mc_engine_reply_message(reply);
	if (msg)
		(void)strlen(msg);
	(void)mc_json_str(reply, "Version");
	(void)mc_swarm_role_from_info(reply);
	if (json_is_string(reply))
		(void)strlen(json_string_value(reply));
	json_decref(reply);
	return 0;
}
