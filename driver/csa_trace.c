// SPDX-License-Identifier: GPL-2.0
/* The csa trace events (csa_trace.h) are instantiated here. */
#define CREATE_TRACE_POINTS
#include "csa_trace.h"
