/* map_ch: being written. */
#include "map_ch.h"
