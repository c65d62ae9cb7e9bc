/* fuzz_scenario: libFuzzer driver for sim_config_load, the scenario-file reader behind robotaxi-sim --scenario. The
 * input is written to a scratch file and read over the defaults; whatever it holds, the reader must accept it or
 * refuse it with a message, never crash or leak. A scenario it accepts and sim_config_check passes is written out
 * (sim_config_write, what a run saves as config.ini), and that file must read back and write out the same text. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_tmp.h"
#include "sim_config.h"

static void s_fail (const char *what, const char *detail)
{
    fprintf (stderr, "fuzz_scenario: %s%s%s\n", what, detail ? ": " : "", detail ? detail : "");
    abort ();
}

/* cfg as sim_config_write writes it: a malloc'd string (caller frees). */
static char *s_written (const sim_config_t *cfg, size_t *len)
{
    char *text = NULL;
    FILE *out = open_memstream (&text, len);
    if (!out) s_fail ("open_memstream failed", NULL);
    if (sim_config_write (cfg, out) != 0) s_fail ("sim_config_write failed", NULL);
    fclose (out);
    return text;
}

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
    const char *path = fuzz_tmp_write ("fuzz_scenario", "scenario.ini", data, size);
    static sim_config_t cfg, again; /* large: off the stack */
    char err[1024] = "";
    sim_config_defaults (&cfg);
    if (sim_config_load (&cfg, path, err, sizeof err) != 0) {
        if (!err[0]) s_fail ("refused a scenario without a message", NULL);
        return 0;
    }
    if (sim_config_check (&cfg, err, sizeof err) != 0) return 0;

    size_t len, len_again;
    char *text = s_written (&cfg, &len);
    const char *resolved = fuzz_tmp_write ("fuzz_scenario", "config.ini", (const uint8_t *)text, len);
    sim_config_defaults (&again);
    if (sim_config_load (&again, resolved, err, sizeof err) != 0)
        s_fail ("the written scenario does not read back", err);
    char *text_again = s_written (&again, &len_again);
    if (len != len_again || memcmp (text, text_again, len) != 0)
        s_fail ("the written scenario reads back as another", NULL);
    free (text);
    free (text_again);
    return 0;
}
