/* disp_types: names of the dispatcher's enumerations, for logs and error messages. */
#include "disp_types.h"

const char *disp_fleet_name (disp_fleet_t fleet)
{
    switch (fleet) {
    case DISP_FLEET_ROBOTAXI:
        return "robotaxi";
    case DISP_FLEET_HUMAN:
        return "human";
    default:
        return "unknown";
    }
}
