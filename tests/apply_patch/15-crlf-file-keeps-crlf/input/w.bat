@echo off
echo a
echo b
