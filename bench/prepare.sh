# Sourced by the single-measurement scripts: builds the Release tree and makes sure the
# generated contacts file for $rows exists; sets $build, $work and $input.
build=build-release
work=bench/work
cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DJUNCTION_BUILD_TESTS=OFF >/dev/null
cmake --build "$build" --parallel "$(nproc)" >/dev/null
input="$work/data/contacts-$rows.csv"
if [ ! -s "$input" ]; then
  mkdir -p "$work/data"
  echo "generating $rows contacts into $input"
  python3 bench/tools/make_contacts.py "$rows" "$input.tmp" && mv "$input.tmp" "$input"
fi
