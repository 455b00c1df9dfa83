/*
 * An empty ICU data library ("stubdata", as ICU's own source/stubdata/stubdata.cpp).
 *
 * Qt's libQt6Core links ICU; PySide6 ships the full libicudata (32 MB of locale, collation,
 * converter and break-iterator tables). Qt keeps its own Unicode, locale (CLDR) and text-break
 * tables, and ICU's character properties and normalisation data are compiled into libicuuc,
 * so the app does not need libicudata's tables: with this stub, QCollator falls back to
 * code-point order and exotic QStringConverter codecs are unavailable; UTF-8/16/32 and
 * Latin-1 still work. pyinstaller.spec compiles it on Linux (DFL_FULL_ICU=1 keeps the real one):
 *
 *     cc -shared -fPIC -O2 -DICU_MAJOR=73 -Wl,-soname,libicudata.so.73 -o libicudata.so.73 icu_stub.c
 */
#include <stdint.h>

#ifndef ICU_MAJOR
#error "define ICU_MAJOR (e.g. -DICU_MAJOR=73)"
#endif
#define CAT3(a, b, c) a##b##c
#define ENTRY_POINT(v) CAT3(icudt, v, _dat)

typedef struct {
    uint16_t headerSize;
    uint8_t magic1, magic2;
    /* UDataInfo */
    uint16_t size, reservedWord;
    uint8_t isBigEndian, charsetFamily, sizeofUChar, reservedByte;
    uint8_t dataFormat[4], formatVersion[4], dataVersion[4];
    char padding[8];
    uint32_t count, reserved;
    uint32_t toc[4];
} IcuStubData;

__attribute__((visibility("default"))) const IcuStubData ENTRY_POINT(ICU_MAJOR) = {
    32, 0xda, 0x27,
    20, 0,
#if __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
    1,
#else
    0,
#endif
    0 /* ASCII family */, 2 /* sizeof(UChar) */, 0,
    {0x54, 0x6f, 0x43, 0x50} /* "ToCP" */, {1, 0, 0, 0}, {0, 0, 0, 0},
    {0, 0, 0, 0, 0, 0, 0, 0},
    0, 0,
    {0, 0, 0, 0},
};
