/*
 * The hyperv driver's internals that need no PowerShell: the shim protocol
 * (requests and answers, one JSON object a line), Hyper-V state names, the
 * switch choice and flag checks.  drivers/hyperv/hv-proto.c; unit-tested by
 * tests/unit/test-hyperv.c.
 *
 * Protocol (doc/hyperv.md):
 *   request  {"id":N,"verb":"create","args":{...}}
 *   answer   {"id":N,"ok":true,"result":{...}}
 *        or  {"id":N,"ok":false,"error":{"cmdlet":"New-VM","message":"...","code":"notfound"}}
 * "code" is optional; "notfound" means the VM named in args does not exist.
 */
#ifndef MC_HV_H
#define MC_HV_H

#include <stdbool.h>
#include <jansson.h>

#include "driver.h"

/* A failed answer's error object, as strings (empty when absent). */
struct hv_fail {
	char cmdlet[128];
	char message[768];
	char code[32];
};

/* The request line for verb with args (an object; NULL: {}), "\n"-terminated,
 * malloc'd.  args is not consumed. */
char *hv_request_line(unsigned long id, const char *verb, json_t *args);

/*
 * Parse an answer line for request id.  Returns 0 for ok:true (*result: the
 * result object, a new reference; {} when absent), 1 for ok:false (*fail
 * filled), -1 when the line is not a valid answer to request id (err set,
 * MC_E_INVALID, naming what is wrong).
 */
int hv_parse_answer(const char *line, unsigned long id, json_t **result, struct hv_fail *fail,
		    struct mc_error *err);

/* Map a Hyper-V VMState name (every one but "Other": "Running", "Off",
 * "Saved", "Hibernated", "ForceShutdown", "ComponentServicing", the twelve
 * "*Critical" ones...; doc/hyperv.md has the table) to ours; MC_STATE_NONE
 * when unknown. */
enum mc_state hv_state_from_name(const char *name);

/* The Id of Hyper-V's "Default Switch" (Windows 10 1709 and later): the same
 * on every machine, while its name is translated ("Standardswitch"...). */
#define HV_DEFAULT_SWITCH_ID "c08cb7b8-9b3c-408e-8e30-5e16a3aeb444"

/*
 * The virtual switch to use, from the `switches` answer (an array of
 * {"name": S, "id": GUID, "type": "External"|"Internal"|"Private"}): the one
 * named `wanted` when given, else the first External switch, else the
 * Default Switch (found by its Id, whatever its name).  Returns a pointer
 * into switches, or NULL with err (MC_E_PRECREATE) saying what to do.
 */
const char *hv_choose_switch(json_t *switches, const char *wanted, struct mc_error *err);

/* Is the switch named name the Default Switch (by its Id)? */
bool hv_is_default_switch(json_t *switches, const char *name);

/* The -Command text that runs the shim at Windows path wpath as a script
 * block: & ([ScriptBlock]::Create([IO.File]::ReadAllText('WPATH'))), the
 * path in single quotes (a quote doubled).  malloc'd. */
char *hv_shim_command(const char *wpath);

/* Normalize a MAC address ("00:15:5d:0a:0b:0c", "00-15-5D-0A-0B-0C" or
 * "00155D0A0B0C") to the 12 upper-case hex digits Hyper-V takes.  False when
 * it is not a MAC address, or a multicast one. */
bool hv_mac_normalize(const char *in, char out[13]);

#endif
