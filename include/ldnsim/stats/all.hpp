// The whole statistics layer in one include, for tools that analyse simulated trials.
#pragma once

#include "ldnsim/stats/common.hpp"
#include "ldnsim/stats/crossover.hpp"
#include "ldnsim/stats/descriptives.hpp"
#include "ldnsim/stats/distributions.hpp"
#include "ldnsim/stats/linear_model.hpp"
#include "ldnsim/stats/power.hpp"
#include "ldnsim/stats/proportions.hpp"
#include "ldnsim/stats/rates.hpp"
#include "ldnsim/stats/survival.hpp"
#include "ldnsim/stats/ttest.hpp"
#include "ldnsim/stats/wilcoxon.hpp"
