// libqrencode from Debian (libqrencode-dev): the QR code encoder behind VictimCareQR.
#include <qrencode.h>
