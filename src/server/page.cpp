// The explorer page: one self-contained HTML document (styles, the Vega libraries and the
// application inline; the only requests it makes are to the explorer's own /api/dose). The
// page's HTML and CSS are in page.html and its application in page.js, embedded at build
// time (cmake/EmbedAssets.cmake writes page_assets.hpp with their bytes): nothing is looked
// up at run time but the Vega libraries.
#include <fstream>
#include <iterator>
#include <sstream>

#include "ldnsim/core/error.hpp"
#include "ldnsim/core/paths.hpp"
#include "ldnsim/core/format.hpp"
#include "ldnsim/core/policy.hpp"
#include "ldnsim/report/html.hpp"
#include "ldnsim/server/explorer.hpp"
#include "ldnsim/output/json_output.hpp"
#include "page_assets.hpp"

namespace ldnsim::server {

namespace {

std::string replace_all(std::string s, const std::string& from, const std::string& to) {
  for (std::size_t pos = 0; (pos = s.find(from, pos)) != std::string::npos; pos += to.size()) s.replace(pos, from.size(), to);
  return s;
}

}  // namespace

std::string explorer_page(const std::string& model_name, const std::string& node_modules_dir) {
  std::string page(page_assets::kPageHtml);
  page = replace_all(page, "@CSP@", kExplorerContentSecurityPolicy);
  page = replace_all(page, "@VERSION@", report::escape_html(json_output::version()));
  page = replace_all(page, "@MODEL@", report::escape_html(model_name));
  for (const std::string& code : report::chart_library_code(node_modules_dir)) page += "<script>\n" + code + "</script>\n";
  page += "<script>\n";
  page += page_assets::kPageJs;
  page += "</script>\n</body>\n</html>\n";
  // the dose limits are policy (core/policy.hpp), the same for the page as for the API
  page = replace_all(page, "@MIN_DOSE_MG@", format_number(policy::kMinDoseMg));
  return replace_all(page, "@MAX_DOSE_MG@", format_number(policy::kMaxDoseMg));
}

}  // namespace ldnsim::server
