/*
 * fuzz_config.c - libFuzzer target: config.ini (server/config.c on iniread.c).
 *
 * Each input is written to a private temporary file and loaded as
 * `leadtimed --config FILE` would: it must load or be refused with a
 * `FILE:LINE: key 'x': ...` message, and a loaded configuration must hold
 * the invariants the daemon relies on (a non-empty pipeline with positive
 * SLA days, a port in range, a resolved db path).
 */
#include "config.h"
#include "log.h"

#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char path[64];

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	log_set_level(LOG_ERR);
	snprintf(path, sizeof(path), "/tmp/leadtime-fuzz-config-%ld.ini", (long)getpid());
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	if (fd < 0)
		return 0;
	ssize_t w = write(fd, data, size);
	close(fd);
	if (w != (ssize_t)size)
		return 0;
	struct config cfg;
	config_defaults(&cfg);
	if (config_load(&cfg, path, 0) == 0) {
		if (cfg.ndepts == 0 || cfg.port < 0 || cfg.port > 65535 || !cfg.db || !*cfg.db)
			abort();
		for (size_t i = 0; i < cfg.ndepts; i++)
			if (cfg.depts[i].sla_days < 0 || !cfg.depts[i].name[0])
				abort();
		(void)config_as_of(&cfg);
	}
	config_release(&cfg);
	return 0;
}
