// The dashboard without a server: one self-contained HTML file (the dashboard's own page,
// script, style and ECharts inlined) holding the API's answers for the whole warehouse, so that
// a run's report shows the same views as the live dashboard, drawn by the same code. Read-only:
// no live stream, no writes, no text models.
#pragma once

#include <string>

namespace xinzhi::serve {

// The snapshot of the warehouse at db, from the dashboard's files in web_dir. Throws InputError
// when web_dir holds no dashboard.
std::string dashboard_snapshot(const std::string& db, const std::string& web_dir);
// The dashboard's folder that the build put next to the running binary ("" when there is none).
std::string installed_dashboard_dir();

}  // namespace xinzhi::serve
