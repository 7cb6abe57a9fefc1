/* plan.c — which OpenCC chain converts from each source to each target.
 *
 * Scripts (hans, hant) change characters only, normalising regional variant
 * characters on the way (Taiwan's 著 becomes 着, as OpenCC's tw2s does);
 * regions (cn, tw, hk) add the region's phrasing.  A name without "chains/"
 * is one of OpenCC's own configurations; the others are zhconv's, under
 * data/chains/, and use only OpenCC's dictionaries.  The README lists the
 * whole table. */
#include <config.h>

#include "zhconv-private.h"

/* Indexed [source][target] by zhconv_variant (AUTO is never a source here
 * and never a target). */
static const char *const S_chains[6][6] = {
  /*            auto  hans                    hant     cn                   tw                    hk */
  [ZHCONV_HANS] = {0, NULL,                   "s2t",   NULL,                "s2twp",              "s2hk"},
  [ZHCONV_CN]   = {0, NULL,                   "s2t",   NULL,                "s2twp",              "s2hk"},
  [ZHCONV_HANT] = {0, "chains/hant2hans.json", NULL,   "chains/hant2cn.json", "chains/hant2tw.json", "t2hk"},
  [ZHCONV_TW]   = {0, "tw2s",                 "tw2t",  "tw2sp",             NULL,                 "chains/tw2hk.json"},
  [ZHCONV_HK]   = {0, "hk2s",                 "hk2t",  "hk2s",              "chains/hk2tw.json",  NULL},
};

const char *
zhconv__plan_chain(zhconv_variant source, zhconv_variant target)
{
  if (source <= ZHCONV_AUTO || source > ZHCONV_HK || target <= ZHCONV_AUTO || target > ZHCONV_HK)
    return NULL;
  return S_chains[source][target];
}
