# A tiny container image for the real-VM tests, made from the host's
# busybox-static (no registry is reachable): a web server that answers with
# its container's hostname, so the routing mesh's spread can be observed.
#
#   e2e_image_tar FILE      write the root file system as a tar
#   e2e_image_import NAME   docker import it (DOCKER_* must point at a machine)

e2e_image_tar() {
	local out=$1 root
	root=$(mktemp -d)
	mkdir -p "$root/bin" "$root/www" "$root/tmp"
	cp /bin/busybox "$root/bin/busybox"
	for a in sh echo cat hostname httpd sleep ls wget; do ln -s busybox "$root/bin/$a"; done
	tar -C "$root" -cf "$out" .
	rm -rf "$root"
}

# e2e_image_import TAR NAME: import the tar as NAME with its command set.
e2e_image_import() {
	docker import -c 'ENV PATH=/bin' \
		-c 'CMD ["/bin/sh", "-c", "hostname > /www/index.html; exec httpd -f -p 80 -h /www"]' \
		"$1" "$2" >/dev/null
}
