// The Junction connector SDK: include this one header.
#pragma once

#include "junction/abi.h"
#include "junction/batch.hpp"
#include "junction/connector.hpp"
#include "junction/errors.hpp"
#include "junction/plugin.hpp"
#include "junction/read_ahead.hpp"
#include "junction/value.hpp"
#include "junction/value_text.hpp"
