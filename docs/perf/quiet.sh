# Sourced by run-bench.sh and run-workloads.sh.
quiet() {  # wait (up to 5 min) until the CPUs are >= 90 % idle over 2 s
  local deadline=$(( $(date +%s) + 300 ))
  while :; do
    read -r _ u n s i w q sq st _ < /proc/stat; local t1=$((u+n+s+i+w+q+sq+st)) i1=$i
    sleep 2
    read -r _ u n s i w q sq st _ < /proc/stat; local t2=$((u+n+s+i+w+q+sq+st)) i2=$i
    if [ $(( 100 * (i2 - i1) / (t2 - t1) )) -ge 90 ] || [ $(date +%s) -ge $deadline ]; then return; fi
  done
}
